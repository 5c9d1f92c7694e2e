#!/usr/bin/env python3
"""Writes the non-ASCII test messages of this folder with Python's own codecs (an encoder
independent of the Rust code under test). Run from anywhere: `python3 tests/charsets/make.py`.
The output is checked in; tests/tests/it/charsets.rs asserts the expected text by code point.

Names are common names of each language (and, for Japanese, names whose JIS X 0208 / 0212
bytes contain the HL7 delimiters `|`, `\\`, `&`); the DICOM examples follow PS3.5 Annex H-K.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def message(control, msh18, name, msh20="", extra=(), facility="HOSP"):
    msh = ["MSH", "^~\\&", "ADMIT", facility, "PACS", "RAD", "20240101120000", "", "ADT^A01",
           control, "P", "2.5", "", "", "", "", "", msh18, "", msh20]
    while msh and msh[-1] == "":
        msh.pop()
    segments = [
        "|".join(msh),
        "EVN|A01|20240101120000",
        f"PID|1||{control}^^^HOSP^MR||{name}||19700101|U",
        *extra,
        "PV1|1|O",
    ]
    return "\r".join(segments) + "\r"


def write(file, text, codec, prefix=b""):
    data = prefix + text.encode(codec)
    with open(os.path.join(HERE, file), "wb") as f:
        f.write(data)


CASES = [
    # file, codec, MSH-18, PID-5, MSH-20, extra segments[, MSH-4]
    ("latin1-de.hl7", "latin_1", "8859/1", "Müller^Jürgen", "", ["NTE|1||Straße"]),
    ("latin1-fr.hl7", "latin_1", "8859/1", "Lefèvre^Hélène^Ç", "", []),
    # Accented text in the header itself: its answer must be read and written in Latin-1 too.
    ("latin1-header.hl7", "latin_1", "8859/1", "Durand^Élodie", "", [], "HÔPITAL SAINT-LOUIS"),
    ("latin2-pl.hl7", "iso8859_2", "8859/2", "Wałęsa^Łukasz", "", ["NTE|1||Dvořák Antonín"]),
    ("latin3-mt.hl7", "iso8859_3", "8859/3", "Żammit^Ġorġ", "", []),
    ("latin4-lv.hl7", "iso8859_4", "8859/4", "Bērziņš^Jānis", "", []),
    ("cyrillic.hl7", "iso8859_5", "8859/5", "Иванов^Пётр", "", []),
    ("arabic.hl7", "iso8859_6", "8859/6", "محمد^علي", "", []),
    ("greek.hl7", "iso8859_7", "8859/7", "Παπαδόπουλος^Γιώργος", "", []),
    ("hebrew.hl7", "iso8859_8", "8859/8", "כהן^דוד", "", []),
    # 0x80 and 0x9F: C1 controls in ISO 8859-9, € and Ÿ in windows-1254.
    ("turkish.hl7", "iso8859_9", "8859/9", "Öztürk^Çağrı", "", ["NTE|1||\x80\x9f"]),
    ("latin9-fr.hl7", "iso8859_15", "8859/15", "Cœur^Zoë", "", ["NTE|1||10 €"]),
    ("ascii.hl7", "ascii", "ASCII", "Smith^John", "", []),
    ("iso-ir6.hl7", "ascii", "ISO IR6", "Smith^John", "", []),
    ("jis-x0201.hl7", "shift_jis", "ISO IR14", "ﾔﾏﾀﾞ^ﾀﾛｳ", "", []),
    # 宮 and 本 end in 0x5C (\) in JIS X 0208, 慈 in 0x7C (|).
    ("iso-2022-jp.hl7", "iso2022_jp", "~ISO IR87", "宮本^慈~ミヤモト^メグミ", "ISO 2022-1994", []),
    # 彅 and 濵 are JIS X 0212; 濵 ends in 0x26 (&).
    ("iso-2022-jp-x0212.hl7", "iso2022_jp_1", "~ISO IR87~ISO IR159", "草彅^剛", "ISO 2022-1994",
     ["NK1|1|濵田^剛"]),
    ("jas2020.hl7", "iso2022_jp", "JAS2020", "田中^一郎", "", []),
    ("jis-x0202.hl7", "iso2022_jp", "JIS X 0202", "田中^一郎", "", []),
    # 䶮 is FE 9F; 𠮷 (outside the BMP) takes four bytes.
    ("gb18030.hl7", "gb18030", "GB 18030-2000", "刘^䶮", "", ["NTE|1||東興路𠮷"]),
    ("korean.hl7", "euc_kr", "KS X 1001", "김^민준", "", []),
    # 許 is B3 5C in Big5: its trail byte is `\`.
    ("big5.hl7", "big5", "BIG-5", "許^志明", "", []),
    ("unicode.hl7", "utf_8", "UNICODE", "José^Ñuñez", "", []),
    ("utf8-thai.hl7", "utf_8", "UNICODE UTF-8", "สมชาย^ใจดี", "", []),
    ("utf16be.hl7", "utf_16_be", "UNICODE UTF-16", "Nguyễn^Văn", "", []),
    ("utf16le-bom.hl7", "utf_16_le", "UNICODE UTF-16", "Nguyễn^Văn", "", []),
    ("utf32be-bom.hl7", "utf_32_be", "UNICODE UTF-32", "Ωμέγα^𝒜", "", []),
    ("utf32le-bom.hl7", "utf_32_le", "UNICODE UTF-32", "Ωμέγα^𝒜", "", []),
]

BOMS = {
    "utf16le-bom.hl7": "\ufeff".encode("utf_16_le"),
    "utf32be-bom.hl7": "\ufeff".encode("utf_32_be"),
    "utf32le-bom.hl7": "\ufeff".encode("utf_32_le"),
}

# Control IDs number the cases in the order they were added, so that adding one leaves the
# files written before unchanged.
ORDER = [c[0] for c in CASES if c[0] != "latin1-header.hl7"] + ["latin1-header.hl7"]
for case in CASES:
    file, codec, msh18, name, msh20, extra, *facility = case
    i = ORDER.index(file) + 1
    write(file, message(f"CS{i:03}", msh18, name, msh20, extra, *facility), codec,
          BOMS.get(file, b""))

# A stray UTF-8 byte order mark, which UNICODE UTF-8 forbids.
write("utf8-bom.hl7", message("CS900", "UNICODE UTF-8", "สมชาย^ใจดี"), "utf_8", b"\xef\xbb\xbf")
