//! What type a file is: images from their first bytes (never from the name: a `.png` that is
//! HTML is not an image), everything else from the name's extension, for the message's
//! description only (everything but a decoded image is served as an attachment).

/// The image type the first bytes say, if one of the inline types.
pub fn image_type(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

const BY_EXTENSION: &[(&str, &str)] = &[
    ("txt", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("log", "text/plain"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("svg", "image/svg+xml"),
    ("json", "application/json"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("tar", "application/x-tar"),
    ("7z", "application/x-7z-compressed"),
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
    ("wav", "audio/wav"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
    ("mov", "video/quicktime"),
    ("doc", "application/msword"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("odt", "application/vnd.oasis.opendocument.text"),
];

/// The file's type: an image type only when the content is one, else by extension, else
/// `application/octet-stream`.
pub fn mime_of(name: &str, head: &[u8]) -> &'static str {
    if let Some(image) = image_type(head) {
        return image;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    BY_EXTENSION
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, m)| *m)
        // a name claiming an image the content is not
        .filter(|m| !banter_protocol::files::is_inline_image(m))
        .unwrap_or("application/octet-stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_by_content_the_rest_by_name() {
        assert_eq!(mime_of("x.bin", b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(mime_of("photo.png", b"<html><script>"), "application/octet-stream");
        assert_eq!(mime_of("page.html", b"<html>"), "text/html");
        assert_eq!(mime_of("logo.SVG", b"<svg"), "image/svg+xml");
        assert_eq!(mime_of("a.webp", b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(mime_of("noext", b"abc"), "application/octet-stream");
        assert_eq!(mime_of("doc.pdf", b"%PDF"), "application/pdf");
    }
}
