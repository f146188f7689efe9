//! Shared locations: checking coordinates before anything is queued, and reading the
//! `LAT,LON` form people type (`/location 48.8566,2.3522` in the CLI and the app).

use banter_protocol::classic::Location;

use crate::error::{ClientError, Result};

/// The coordinates as a [`Location`] when they are finite and on the globe (latitude in
/// [-90, 90], longitude in [-180, 180]); otherwise `invalid_location`, saying which is wrong.
pub fn check(latitude: f64, longitude: f64) -> Result<Location> {
    check_one("latitude", latitude, 90.0)?;
    check_one("longitude", longitude, 180.0)?;
    Ok(Location { latitude, longitude })
}

fn check_one(what: &str, v: f64, max: f64) -> Result<()> {
    if !v.is_finite() {
        return Err(ClientError::InvalidLocation(format!(
            "the {what} must be a finite number, not {v}"
        )));
    }
    if !(-max..=max).contains(&v) {
        return Err(ClientError::InvalidLocation(format!(
            "the {what} {v} is out of range (it must be from -{max} to {max})"
        )));
    }
    Ok(())
}

/// Reads `LAT,LON` (decimal degrees, e.g. `48.8566,2.3522`; spaces around the comma are
/// fine) and checks it.
pub fn parse(text: &str) -> Result<Location> {
    let usage = || {
        ClientError::InvalidLocation(format!(
            "expected LAT,LON in decimal degrees, e.g. 48.8566,2.3522, not {:?}",
            crate::room::clip(text.trim(), 80)
        ))
    };
    let (lat, lon) = text.trim().split_once(',').ok_or_else(usage)?;
    let number = |s: &str| -> Result<f64> {
        let s = s.trim();
        // Rust also reads "inf" and "NaN": say those are not coordinates, as check() does.
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) {
            return Err(usage());
        }
        s.parse().map_err(|_| usage())
    };
    check(number(lat)?, number(lon)?)
}

/// The argument of a `/location …` command line, or `None` when the line is not one (a line
/// like `/locations` or `hello` is a plain message).
pub fn command(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("/location")?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_checked() {
        assert_eq!(check(48.8566, 2.3522).unwrap(), Location { latitude: 48.8566, longitude: 2.3522 });
        assert!(check(90.0, -180.0).is_ok());
        for (lat, lon) in [(90.5, 0.0), (-91.0, 0.0), (0.0, 180.01), (0.0, -200.0), (f64::NAN, 0.0), (0.0, f64::INFINITY)] {
            let e = check(lat, lon).unwrap_err();
            assert_eq!(e.code(), "invalid_location", "{lat},{lon}");
        }
        assert_eq!(
            check(91.0, 0.0).unwrap_err().to_string(),
            "invalid location: the latitude 91 is out of range (it must be from -90 to 90)"
        );
        assert_eq!(
            check(0.0, f64::NAN).unwrap_err().to_string(),
            "invalid location: the longitude must be a finite number, not NaN"
        );
    }

    #[test]
    fn typed_form() {
        assert_eq!(parse("48.8566,2.3522").unwrap(), Location { latitude: 48.8566, longitude: 2.3522 });
        assert_eq!(parse(" -33.9 , 151.2 ").unwrap(), Location { latitude: -33.9, longitude: 151.2 });
        for bad in ["abc", "", "48.8566", "1,2,3", "NaN,1", "inf,1", "1,", "north,2", "95,2"] {
            assert_eq!(parse(bad).unwrap_err().code(), "invalid_location", "{bad:?}");
        }
        assert!(parse("abc").unwrap_err().to_string().contains("expected LAT,LON"));
        assert_eq!(command("/location 1,2"), Some("1,2"));
        assert_eq!(command("/location"), Some(""));
        assert_eq!(command("/locations 1,2"), None);
        assert_eq!(command("hello /location 1,2"), None);
    }
}
