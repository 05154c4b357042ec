//! Checking a file a student uploads to their group (issue 10, point 3). Pure: bytes and
//! a name in, a verdict out.
//!
//! - The type is read from the **content** (the magic bytes and the container's
//!   structure), never from the name or the browser's content type. Only PNG, JPEG,
//!   WebP, PDF and plain UTF-8 text are accepted.
//! - Images lose their metadata: JPEG keeps only the segments needed to draw the picture
//!   (every `APPn` segment but the JFIF header goes, so EXIF with its GPS position and
//!   camera, XMP and IPTC are gone, as are comments). One EXIF fact is put back: a
//!   phone photo's orientation (which way up it was taken), as a new EXIF segment holding
//!   that one tag and nothing else, so the picture is not shown on its side; PNG keeps only a list of drawing
//!   chunks (no `eXIf`, `tEXt`, `zTXt`, `iTXt`, `tIME`); WebP loses its `EXIF` and `XMP `
//!   chunks and the flags announcing them. A file whose structure cannot be walked is
//!   refused, so a truncated or disguised file is not stored.
//! - The name is only for display: its last path part, without control characters or
//!   characters file systems refuse, at most [`MAX_NAME_CHARS`], with the extension of the
//!   type found. It never becomes a path: files are stored in the database under an id the
//!   server makes.

/// The longest display name kept.
pub const MAX_NAME_CHARS: usize = 100;

/// An accepted file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Png,
    Jpeg,
    Webp,
    Pdf,
    Text,
}

impl FileKind {
    /// The Content-Type it is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
            FileKind::Text => "text/plain; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
            FileKind::Text => "txt",
        }
    }

    /// The kind of a stored Content-Type (files are served with the type stored).
    pub fn from_content_type(content_type: &str) -> Option<FileKind> {
        [
            FileKind::Png,
            FileKind::Jpeg,
            FileKind::Webp,
            FileKind::Pdf,
            FileKind::Text,
        ]
        .into_iter()
        .find(|k| k.content_type() == content_type)
    }
}

/// Why a file is refused, in words for the student.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the file is empty")]
    Empty,
    #[error(
        "only pictures (PNG, JPEG, WebP), PDF and plain text files can be shared here: this file is none of those"
    )]
    NotAllowed,
    #[error(
        "the file looks like a {0} but it is damaged or incomplete: save it again and upload the new copy"
    )]
    Damaged(&'static str),
}

/// A file that passed: its kind, the bytes to store (metadata stripped) and the name to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    pub name: String,
}

/// Checks an upload: the type from the content, metadata stripped, the name cleaned.
pub fn check(name: &str, bytes: &[u8]) -> Result<Checked, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    let (kind, bytes) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (
            FileKind::Png,
            strip_png(bytes).ok_or(Refused::Damaged("PNG picture"))?,
        )
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (
            FileKind::Jpeg,
            strip_jpeg(bytes).ok_or(Refused::Damaged("JPEG picture"))?,
        )
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        (
            FileKind::Webp,
            strip_webp(bytes).ok_or(Refused::Damaged("WebP picture"))?,
        )
    } else if bytes.starts_with(b"%PDF-") {
        if !ends_like_pdf(bytes) {
            return Err(Refused::Damaged("PDF"));
        }
        (FileKind::Pdf, bytes.to_vec())
    } else if is_plain_text(bytes) {
        (FileKind::Text, bytes.to_vec())
    } else {
        return Err(Refused::NotAllowed);
    };
    Ok(Checked {
        kind,
        bytes,
        name: display_name(name, kind),
    })
}

/// Plain text: UTF-8 (a byte-order mark allowed) without NUL or other control characters
/// but tab, line feed, carriage return and form feed.
fn is_plain_text(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0C')),
        Err(_) => false,
    }
}

/// A PDF ends with `%%EOF` (possibly followed by line ends or spaces).
fn ends_like_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(5).any(|w| w == b"%%EOF")
}

/// The display name: the last path part of what the browser sent, cleaned, with the
/// extension of `kind`.
pub fn display_name(name: &str, kind: FileKind) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .filter(|c| !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '/' | '\\'))
        // Bidirectional overrides make "gpj.exe" read as "exe.jpg".
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').trim();
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim(),
        _ => cleaned,
    };
    let ext = kind.extension();
    let budget = MAX_NAME_CHARS - ext.len() - 1;
    let stem: String = stem.chars().take(budget).collect();
    let stem = stem.trim();
    if stem.is_empty() {
        format!("file.{ext}")
    } else {
        format!("{stem}.{ext}")
    }
}

/// The name as plain ASCII for the `filename=` of a Content-Disposition header (the
/// UTF-8 name goes in `filename*`).
pub fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `name` percent-encoded for `filename*=UTF-8''…` (RFC 8187: attr-chars stay).
pub fn percent_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// PNG chunks kept: what drawing the picture needs (colour and transparency included).
const PNG_KEPT: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = bytes[..8].to_vec();
    let mut at = 8;
    let mut seen_ihdr = false;
    loop {
        let header = bytes.get(at..at + 8)?;
        let len = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let kind: [u8; 4] = header[4..8].try_into().ok()?;
        let end = at.checked_add(12)?.checked_add(len)?;
        let chunk = bytes.get(at..end)?;
        if !seen_ihdr && &kind != b"IHDR" {
            return None;
        }
        seen_ihdr = true;
        if PNG_KEPT.iter().any(|k| **k == kind) {
            out.extend_from_slice(chunk);
        }
        at = end;
        if &kind == b"IEND" {
            return Some(out);
        }
    }
}

fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0xFF, 0xD8];
    let mut at = 2;
    loop {
        // Markers may be padded with 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        match marker {
            // Start of scan: the entropy-coded picture (and, in a progressive JPEG, the
            // tables and scans between) follows up to the last end marker; copied as it
            // is (it holds no metadata). Whatever trails the end marker is dropped.
            0xDA => {
                let rest = &bytes[at..];
                let end = rest.windows(2).rposition(|w| w == [0xFF, 0xD9])?;
                out.extend_from_slice(&rest[..end + 2]);
                return Some(out);
            }
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&bytes[at..at + 2]);
                at += 2;
            }
            _ => {
                let len_bytes = bytes.get(at + 2..at + 4)?;
                let len = u16::from_be_bytes([len_bytes[0], len_bytes[1]]) as usize;
                if len < 2 {
                    return None;
                }
                let end = at + 2 + len;
                let segment = bytes.get(at..end)?;
                let is_jfif = marker == 0xE0 && segment.get(4..9) == Some(&b"JFIF\0"[..]);
                // APPn (0xE0-0xEF: EXIF, XMP, ICC, IPTC, maker notes …) and comments (0xFE)
                // go, but the JFIF header; Adobe's APP14 stays (it says how colours are
                // coded, nothing about the person).
                let is_adobe = marker == 0xEE && segment.get(4..9) == Some(&b"Adobe"[..]);
                let metadata = (0xE0..=0xEF).contains(&marker) || marker == 0xFE;
                if !metadata || is_jfif || is_adobe {
                    out.extend_from_slice(segment);
                } else if marker == 0xE1
                    && let Some(orientation) = exif_orientation(&segment[4..])
                {
                    out.extend_from_slice(&orientation_only_exif(orientation));
                }
                at = end;
            }
        }
    }
}

/// The EXIF Orientation tag (0x0112) of IFD0, when it says the picture is turned or
/// mirrored (2–8); `None` for upright (1), a missing tag or an APP1 that is not EXIF or
/// cannot be read.
fn exif_orientation(app1: &[u8]) -> Option<u16> {
    let tiff = app1.strip_prefix(b"Exif\0\0")?;
    let big_endian = match tiff.get(..4)? {
        b"MM\0*" => true,
        b"II*\0" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd0 = u32_at(4)? as usize;
    let entries = u16_at(ifd0)? as usize;
    (0..entries).find_map(|n| {
        let entry = ifd0.checked_add(2 + 12 * n)?;
        // Tag 0x0112, type SHORT (3), count 1: the value sits in the entry itself.
        if u16_at(entry)? != 0x0112 || u16_at(entry + 2)? != 3 || u32_at(entry + 4)? != 1 {
            return None;
        }
        Some(u16_at(entry + 8)?).filter(|o| (2..=8).contains(o))
    })
}

/// A whole APP1 segment holding an EXIF block with one entry: the orientation.
fn orientation_only_exif(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*".to_vec();
    tiff.extend_from_slice(&8u32.to_be_bytes()); // IFD0 right after the header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut out = vec![0xFF, 0xE1];
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out
}

fn strip_webp(bytes: &[u8]) -> Option<Vec<u8>> {
    let declared = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    let end = declared.checked_add(8)?;
    if end > bytes.len() || end < 12 {
        return None;
    }
    let mut body: Vec<u8> = b"WEBP".to_vec();
    let mut at = 12;
    let mut chunks = 0;
    while at < end {
        let header = bytes.get(at..at + 8)?;
        let kind: [u8; 4] = header[..4].try_into().ok()?;
        let len = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
        let padded = len.checked_add(len & 1)?;
        let chunk_end = at.checked_add(8)?.checked_add(padded)?;
        if chunk_end > end {
            // An odd last chunk may lack its padding byte.
            if at + 8 + len != end {
                return None;
            }
        }
        let chunk = bytes.get(at..chunk_end.min(end))?;
        chunks += 1;
        match &kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let mut chunk = chunk.to_vec();
                // Flags: bit 3 EXIF, bit 2 XMP.
                if let Some(flags) = chunk.get_mut(8) {
                    *flags &= !0b0000_1100;
                }
                body.extend_from_slice(&chunk);
            }
            _ => body.extend_from_slice(chunk),
        }
        if chunk.len() & 1 == 1 {
            body.push(0);
        }
        at = chunk_end;
    }
    if chunks == 0 {
        return None;
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny JPEG: SOI, an EXIF APP1 with a GPS tag's bytes, a JFIF APP0, a comment, a
    /// quantisation table, the scan and EOI.
    pub(crate) fn jpeg_with_gps() -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        let exif = b"Exif\0\0MM\0*GPSLatitude 52.3676 N Canon EOS";
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(exif);
        let jfif = b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
        out.extend_from_slice(&[0xFF, 0xE0]);
        out.extend_from_slice(&((jfif.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(jfif);
        let comment = b"taken at home";
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(comment);
        out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01]);
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0x00, 0x56]);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_its_gps_and_camera_but_keeps_the_picture() {
        let checked = check("holiday.JPG", &jpeg_with_gps()).unwrap();
        assert_eq!(checked.kind, FileKind::Jpeg);
        assert_eq!(checked.name, "holiday.jpg");
        assert!(!contains(&checked.bytes, b"GPS"));
        assert!(!contains(&checked.bytes, b"Canon"));
        assert!(!contains(&checked.bytes, b"Exif"));
        assert!(!contains(&checked.bytes, b"taken at home"));
        assert!(contains(&checked.bytes, b"JFIF"));
        assert!(contains(
            &checked.bytes,
            &[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34]
        ));
        assert!(checked.bytes.ends_with(&[0xFF, 0xD9]));
    }

    /// A little-endian EXIF block as a phone writes it: IFD0 with a camera make, the
    /// orientation and a pointer to a GPS IFD, then the GPS IFD and the make's text.
    fn phone_exif(orientation: u16) -> Vec<u8> {
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        let entry = |tag: u16, kind: u16, count: u32, value: u32| {
            let mut e = tag.to_le_bytes().to_vec();
            e.extend_from_slice(&kind.to_le_bytes());
            e.extend_from_slice(&count.to_le_bytes());
            e.extend_from_slice(&value.to_le_bytes());
            e
        };
        let gps_ifd = 8 + 2 + 3 * 12 + 4;
        let make_text = gps_ifd + 2 + 12 + 4;
        tiff.extend(entry(0x010F, 2, 6, make_text)); // Make, ASCII at make_text
        tiff.extend(entry(0x0112, 3, 1, u32::from(orientation)));
        tiff.extend(entry(0x8825, 4, 1, gps_ifd)); // GPS IFD pointer
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend(entry(0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"))); // GPSLatitudeRef
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(b"Canon\0");
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        app1
    }

    fn jpeg_with_exif(exif: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(exif);
        out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01]);
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]);
        out
    }

    #[test]
    fn a_turned_phone_photo_keeps_its_orientation_and_nothing_else_of_its_exif() {
        let checked = check("photo.jpg", &jpeg_with_exif(&phone_exif(6))).unwrap();
        assert!(!contains(&checked.bytes, b"Canon"));
        let app1 = &checked.bytes[6..6 + 32];
        assert_eq!(&checked.bytes[2..4], &[0xFF, 0xE1]);
        assert_eq!(
            exif_orientation(app1),
            Some(6),
            "rotated 90° clockwise, still"
        );
        // One entry only: no GPS pointer, no make.
        assert_eq!(&app1[14..16], &1u16.to_be_bytes());
        assert!(contains(
            &checked.bytes,
            &[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34]
        ));

        // Upright photos (1) and nonsense values lose the whole EXIF segment.
        for orientation in [1, 0, 9] {
            let checked = check("photo.jpg", &jpeg_with_exif(&phone_exif(orientation))).unwrap();
            assert!(
                !contains(&checked.bytes, b"Exif"),
                "orientation {orientation}"
            );
        }
        // A block whose IFD offset points past its end is dropped, not trusted.
        let mut broken = phone_exif(6);
        broken[10..14].copy_from_slice(&4000u32.to_le_bytes());
        let checked = check("photo.jpg", &jpeg_with_exif(&broken)).unwrap();
        assert!(!contains(&checked.bytes, b"Exif"));
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0, 0, 0, 0]); // CRC: not checked here
        out
    }

    #[test]
    fn a_png_keeps_only_drawing_chunks() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &[0; 13]));
        png.extend(png_chunk(b"eXIf", b"GPS 52N"));
        png.extend(png_chunk(b"tEXt", b"Author\0Ana"));
        png.extend(png_chunk(b"IDAT", b"pixels"));
        png.extend(png_chunk(b"IEND", b""));
        let checked = check("a.png", &png).unwrap();
        assert_eq!(checked.kind, FileKind::Png);
        assert!(!contains(&checked.bytes, b"GPS"));
        assert!(!contains(&checked.bytes, b"Author"));
        assert!(contains(&checked.bytes, b"pixels"));
        // Without IEND it is damaged.
        let cut = &png[..png.len() - 12];
        assert_eq!(check("a.png", cut), Err(Refused::Damaged("PNG picture")));
    }

    #[test]
    fn a_webp_loses_its_exif_and_the_flag() {
        let mut body = b"WEBP".to_vec();
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        body.extend(chunk(b"VP8X", &[0b0000_1100, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        body.extend(chunk(b"VP8 ", b"frame"));
        body.extend(chunk(b"EXIF", b"GPS 52N"));
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
        webp.extend(body);
        let checked = check("w.webp", &webp).unwrap();
        assert_eq!(checked.kind, FileKind::Webp);
        assert!(!contains(&checked.bytes, b"GPS"));
        assert!(contains(&checked.bytes, b"frame"));
        assert_eq!(checked.bytes[20], 0, "the EXIF and XMP flags are cleared");
        let size = u32::from_le_bytes(checked.bytes[4..8].try_into().unwrap()) as usize;
        assert_eq!(size + 8, checked.bytes.len());
    }

    #[test]
    fn only_the_allow_list_passes() {
        assert_eq!(check("x.txt", b"").unwrap_err(), Refused::Empty);
        assert_eq!(
            check("notes.txt", "Hola, ¿qué tal?\n".as_bytes())
                .unwrap()
                .kind,
            FileKind::Text
        );
        assert_eq!(
            check("r.pdf", b"%PDF-1.7\n...\n%%EOF\n").unwrap().kind,
            FileKind::Pdf
        );
        assert_eq!(
            check("r.pdf", b"%PDF-1.7\n...").unwrap_err(),
            Refused::Damaged("PDF")
        );
        // An executable, HTML disguised as a picture's name, SVG, a zip: refused or text.
        assert_eq!(
            check("a.png", b"MZ\x90\0\x03\0\0\0").unwrap_err(),
            Refused::NotAllowed
        );
        assert_eq!(
            check("a.zip", b"PK\x03\x04\0\0").unwrap_err(),
            Refused::NotAllowed
        );
        let html = check("photo.jpg", b"<script>alert(1)</script>").unwrap();
        assert_eq!(
            html.kind,
            FileKind::Text,
            "served as text/plain, never as HTML"
        );
        assert_eq!(html.name, "photo.txt");
    }

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(
            display_name("../../etc/passwd", FileKind::Text),
            "passwd.txt"
        );
        assert_eq!(
            display_name("C:\\Users\\ana\\plan.pdf", FileKind::Pdf),
            "plan.pdf"
        );
        assert_eq!(display_name("a\u{0}b\nc.png", FileKind::Png), "abc.png");
        assert_eq!(display_name("", FileKind::Png), "file.png");
        assert_eq!(display_name("...", FileKind::Png), "file.png");
        assert_eq!(
            display_name("exe\u{202E}gpj.exe", FileKind::Jpeg),
            "exegpj.jpg"
        );
        assert_eq!(
            display_name(&"é".repeat(300), FileKind::Pdf)
                .chars()
                .count(),
            MAX_NAME_CHARS
        );
        assert_eq!(ascii_name("Plán \"x\".pdf"), "Pl_n _x_.pdf");
        assert_eq!(percent_name("Plán x.pdf"), "Pl%C3%A1n%20x.pdf");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn starts() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                Just(b"\x89PNG\r\n\x1a\n".to_vec()),
                Just(vec![0xFF, 0xD8, 0xFF]),
                Just(b"RIFF\x10\0\0\0WEBP".to_vec()),
                Just(b"%PDF-".to_vec()),
                Just(Vec::new()),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            /// Odd names and bytes never panic; what passes is one of the allowed kinds
            /// and starts like it; the name has no path separator or control character.
            #[test]
            fn odd_names_and_bytes_never_panic_and_only_the_allow_list_passes(
                name in ".{0,300}",
                start in starts(),
                rest in prop::collection::vec(any::<u8>(), 0..400),
            ) {
                let mut bytes = start;
                bytes.extend(rest);
                if let Ok(checked) = check(&name, &bytes) {
                    let starts_right = match checked.kind {
                        FileKind::Png => checked.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                        FileKind::Jpeg => checked.bytes.starts_with(&[0xFF, 0xD8]),
                        FileKind::Webp => checked.bytes.starts_with(b"RIFF"),
                        FileKind::Pdf => checked.bytes.starts_with(b"%PDF-"),
                        FileKind::Text => std::str::from_utf8(
                            checked.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&checked.bytes),
                        ).is_ok(),
                    };
                    prop_assert!(starts_right);
                    prop_assert!(!checked.name.contains(['/', '\\']));
                    prop_assert!(!checked.name.chars().any(char::is_control));
                    prop_assert!(checked.name.chars().count() <= MAX_NAME_CHARS);
                    prop_assert!(checked.name.ends_with(checked.kind.extension()));
                    prop_assert!(checked.bytes.len() <= bytes.len() + 8);
                }
                let ascii = ascii_name(&name);
                prop_assert!(ascii.chars().all(|c| c.is_ascii() && !c.is_control() && c != '"'));
            }
        }
    }
}
