//! Ack argument shapes. A classic success is `cb()` (no argument), a failure `cb("reason")`.
//! A Banter success carrying data is `cb(null, data)`.

use serde::Serialize;
use serde_json::Value;

/// What an ack said, read from its argument list.
#[derive(Debug, Clone, PartialEq)]
pub enum AckReply {
    /// `cb()`: classic success.
    Ok,
    /// `cb(null, data)`: Banter success with data.
    OkWith(Value),
    /// `cb("reason")`: refused, with the server's reason.
    Refused(String),
    /// Anything else: a server that broke the protocol.
    Malformed(String),
}

impl AckReply {
    /// Reads an ack's argument list (as the Socket.IO packet carries it).
    pub fn from_args(args: &[Value]) -> Self {
        match args {
            [] => AckReply::Ok,
            [Value::Null] => AckReply::Ok,
            [Value::String(reason)] => AckReply::Refused(reason.clone()),
            [Value::Null, data] => AckReply::OkWith(data.clone()),
            [Value::String(reason), ..] => AckReply::Refused(reason.clone()),
            other => AckReply::Malformed(truncate_for_log(&Value::Array(other.to_vec()))),
        }
    }
}

/// An ack argument list for a Banter success: `[null, data]`.
pub fn ok_with<T: Serialize>(data: &T) -> (Option<()>, &T) {
    (None, data)
}

/// A short printable form of a value, for error messages about bad server data.
pub fn truncate_for_log(v: &Value) -> String {
    const MAX: usize = 200;
    let s = v.to_string();
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_shape() {
        assert_eq!(AckReply::from_args(&[]), AckReply::Ok);
        assert_eq!(AckReply::from_args(&[json!(null)]), AckReply::Ok);
        assert_eq!(AckReply::from_args(&[json!("no")]), AckReply::Refused("no".into()));
        assert_eq!(AckReply::from_args(&[json!(null), json!({"a": 1})]), AckReply::OkWith(json!({"a": 1})));
        assert!(matches!(AckReply::from_args(&[json!(42)]), AckReply::Malformed(_)));
    }

    #[test]
    fn ok_with_serialises_as_null_then_data() {
        assert_eq!(serde_json::to_string(&ok_with(&json!({"x": 1}))).unwrap(), r#"[null,{"x":1}]"#);
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        let long = Value::String("é".repeat(500));
        let t = truncate_for_log(&long);
        assert!(t.len() < 260, "{}", t.len());
        assert!(t.contains("bytes"));
    }
}
