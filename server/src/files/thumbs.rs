//! Thumbnails of uploaded images (the `image` crate): decoded with limits, so a
//! decompression bomb (a small file declaring a huge picture) is refused before anything is
//! allocated, then scaled to at most 400 px a side and encoded anew (JPEG for JPEG photos,
//! PNG otherwise), which drops EXIF and every other chunk of the original.

use std::path::Path;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits};

use banter_protocol::files::THUMB_MAX_SIDE;

/// Largest picture decoded, per side.
pub const MAX_SIDE: u32 = 12_000;
/// Most memory one decode may allocate.
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// A decoded image: its size and its thumbnail (bytes and type).
#[derive(Debug)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub mime: &'static str,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ThumbError {
    /// Over the limits: refused (the words say why).
    TooLarge(String),
    /// Not decodable as the type it claims: kept as a plain file, without a thumbnail.
    Undecodable(String),
}

fn format_of(mime: &str) -> Option<ImageFormat> {
    match mime {
        "image/png" => Some(ImageFormat::Png),
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/gif" => Some(ImageFormat::Gif),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_ALLOC);
    l
}

fn classify(e: ImageError) -> ThumbError {
    match e {
        ImageError::Limits(l) => ThumbError::TooLarge(format!(
            "This image is too large to show (at most {MAX_SIDE}×{MAX_SIDE} pixels): {l}"
        )),
        other => ThumbError::Undecodable(other.to_string()),
    }
}

/// Decodes the image at `path` (of type `mime`, an inline image type) and makes its thumbnail.
pub fn make(path: &Path, mime: &str) -> Result<Thumbnail, ThumbError> {
    let format = format_of(mime).ok_or_else(|| ThumbError::Undecodable(format!("{mime} is not an image type")))?;
    let mut reader = ImageReader::open(path).map_err(|e| ThumbError::Undecodable(e.to_string()))?;
    reader.set_format(format);
    reader.limits(limits());
    let img = reader.decode().map_err(classify)?;
    let (width, height) = (img.width(), img.height());
    let small = if width > THUMB_MAX_SIDE || height > THUMB_MAX_SIDE { img.thumbnail(THUMB_MAX_SIDE, THUMB_MAX_SIDE) } else { img };
    let mut bytes = Vec::new();
    let mime = if format == ImageFormat::Jpeg {
        let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
            .encode_image(&rgb)
            .map_err(|e| ThumbError::Undecodable(e.to_string()))?;
        "image/jpeg"
    } else {
        DynamicImage::ImageRgba8(small.to_rgba8())
            .write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(|e| ThumbError::Undecodable(e.to_string()))?;
        "image/png"
    };
    Ok(Thumbnail { width, height, bytes, mime })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG of `w`×`h` declared in its header, with a tiny (truncated) image body: what a
    /// decompression bomb looks like to a decoder that trusts the header.
    pub(crate) fn bomb_png(w: u32, h: u32) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let crc = crc32(&out[start..]);
            out.extend_from_slice(&crc.to_be_bytes());
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(img).write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 10, 200]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&DynamicImage::ImageRgb8(img)).unwrap();
        // an APP1 Exif segment right after SOI, carrying a GPS-like marker string
        let payload = b"Exif\0\0MM\0*GPS-SECRET-48.8566N";
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out.extend_from_slice(&plain[2..]);
        out
    }

    fn write(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("img");
        std::fs::write(&p, bytes).unwrap();
        (dir, p)
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        let bomb = bomb_png(100_000, 100_000);
        assert!(bomb.len() < 100);
        let (_d, p) = write(&bomb);
        let t0 = std::time::Instant::now();
        match make(&p, "image/png") {
            Err(ThumbError::TooLarge(why)) => assert!(why.contains("too large"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(t0.elapsed() < std::time::Duration::from_secs(1));
        // within the sides but over the memory bound: 12,000² RGBA is 576 MB
        let (_d, p) = write(&bomb_png(12_000, 12_000));
        assert!(matches!(make(&p, "image/png"), Err(ThumbError::TooLarge(_))));
    }

    #[test]
    fn thumbnails_are_small_and_keep_the_shape() {
        let (_d, p) = write(&png(1200, 600));
        let t = make(&p, "image/png").unwrap();
        assert_eq!((t.width, t.height, t.mime), (1200, 600, "image/png"));
        let back = image::load_from_memory(&t.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (400, 200));
        let (_d, p) = write(&png(30, 20));
        let small = image::load_from_memory(&make(&p, "image/png").unwrap().bytes).unwrap();
        assert_eq!((small.width(), small.height()), (30, 20), "never scaled up");
    }

    #[test]
    fn exif_is_dropped() {
        let src = jpeg_with_exif(800, 800);
        assert!(src.windows(10).any(|w| w == b"GPS-SECRET"));
        let (_d, p) = write(&src);
        let t = make(&p, "image/jpeg").unwrap();
        assert_eq!(t.mime, "image/jpeg");
        assert!(!t.bytes.windows(4).any(|w| w == b"Exif"));
        assert!(!t.bytes.windows(10).any(|w| w == b"GPS-SECRET"));
    }

    #[test]
    fn garbage_is_not_an_image() {
        let (_d, p) = write(b"\x89PNG\r\n\x1a\nthis is not a png at all");
        assert!(matches!(make(&p, "image/png"), Err(ThumbError::Undecodable(_))));
        assert!(matches!(make(&p, "image/svg+xml"), Err(ThumbError::Undecodable(_))));
    }
}
