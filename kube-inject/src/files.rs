//! Reading and writing the user's files, with errors worded as Go's `os` package words them
//! (`open app.yaml: no such file or directory`), which is what istioctl prints.

use std::io::{self, Read};
use std::path::Path;

/// What `-f -` reads from.
pub const STDIN: &str = "-";

/// Reads a whole file as text.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| go_error("open", path, &e))?;
    into_text(bytes, &path.display().to_string())
}

/// Reads the `-f` input: a file, or standard input for `-`.
pub fn read_input(name: &str) -> Result<String, String> {
    if name == STDIN {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| go_error("read", Path::new("/dev/stdin"), &e))?;
        into_text(bytes, "standard input")
    } else {
        read_text(Path::new(name))
    }
}

fn into_text(bytes: Vec<u8>, what: &str) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{what}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// `<op> <path>: <reason>`, the shape of Go's `*fs.PathError`.
pub fn go_error(op: &str, path: &Path, error: &io::Error) -> String {
    format!("{op} {}: {}", path.display(), go_reason(error))
}

fn go_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => {
            // Rust appends " (os error N)" to the C library's text, which Go does not.
            let text = error.to_string();
            let text = text
                .rfind(" (os error ")
                .and_then(|at| text.get(..at))
                .unwrap_or(&text);
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_reported_as_go_reports_them() {
        let error = read_text(Path::new("/nonexistent/app.yaml")).unwrap_err();
        assert_eq!(
            error,
            "open /nonexistent/app.yaml: no such file or directory"
        );
    }

    #[test]
    fn a_directory_is_not_a_file() {
        let dir = std::env::temp_dir();
        let error = read_text(&dir).unwrap_err();
        assert!(error.ends_with(": is a directory"), "{error}");
    }

    #[test]
    fn other_os_errors_lose_rusts_suffix() {
        let error = io::Error::from_raw_os_error(28); // ENOSPC
        let text = go_error("write", Path::new("out.yaml"), &error);
        assert_eq!(text, "write out.yaml: no space left on device");
    }

    #[test]
    fn binary_input_is_refused_with_the_offset() {
        let error = into_text(vec![b'a', 0xff, b'b'], "app.yaml").unwrap_err();
        assert_eq!(error, "app.yaml: not UTF-8 text (invalid byte at offset 1)");
    }
}
