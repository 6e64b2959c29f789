//! Where the injected YAML goes. Nothing appears there unless every document was injected: a
//! half-injected stream piped into `kubectl apply` would apply part of an application, and a
//! half-written `-o` file would replace a good one.
//!
//! - `-o FILE` (a regular file or a new one): written as it comes into a temporary file beside
//!   it, renamed over it on success, so memory stays flat however large the input is.
//! - standard output, or a `-o` that is not a regular file (`/dev/stdout`, a pipe): held in
//!   memory and written at the end.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::files::go_error;

pub struct Sink {
    target: Target,
    committed: bool,
}

enum Target {
    Memory {
        path: Option<PathBuf>,
        text: String,
    },
    Staged {
        file: BufWriter<File>,
        staging: PathBuf,
        path: PathBuf,
    },
}

impl Sink {
    /// A sink for `-o` (`None`: standard output). `size_hint` is the expected output size.
    pub fn open(path: Option<&Path>, size_hint: usize) -> Result<Sink, String> {
        if let Some(path) = path
            && path.is_dir()
        {
            return Err(format!("open {}: is a directory", path.display()));
        }
        let target = match path {
            Some(path) if stages(path) => {
                let staging = staging_path(path);
                let file = File::create(&staging).map_err(|e| go_error("open", path, &e))?;
                Target::Staged {
                    file: BufWriter::with_capacity(1 << 16, file),
                    staging,
                    path: path.to_path_buf(),
                }
            }
            path => Target::Memory {
                path: path.map(Path::to_path_buf),
                text: String::with_capacity(size_hint),
            },
        };
        Ok(Sink {
            target,
            committed: false,
        })
    }

    pub fn write(&mut self, text: &str) -> Result<(), String> {
        match &mut self.target {
            Target::Memory { text: buffer, .. } => {
                buffer.push_str(text);
                Ok(())
            }
            Target::Staged { file, path, .. } => file
                .write_all(text.as_bytes())
                .map_err(|e| go_error("write", path, &e)),
        }
    }

    /// Makes the output visible: renames the staged file into place, or writes the buffer.
    pub fn commit(mut self) -> Result<(), String> {
        self.committed = true;
        match &mut self.target {
            Target::Memory { path: None, text } => {
                let mut out = io::stdout().lock();
                match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                    // The reader has seen enough (`kube-inject … | head`): as ripgrep does,
                    // stop quietly; the output was complete, so it is not a failure.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    other => other.map_err(|e| go_error("write", Path::new("/dev/stdout"), &e)),
                }
            }
            Target::Memory {
                path: Some(path),
                text,
            } => std::fs::write(&*path, text.as_bytes()).map_err(|e| go_error("open", path, &e)),
            Target::Staged {
                file,
                staging,
                path,
            } => {
                let finished = file.flush().and_then(|()| file.get_ref().sync_all());
                let renamed = finished.and_then(|()| std::fs::rename(&*staging, &*path));
                renamed.map_err(|e| {
                    let _ = std::fs::remove_file(&*staging);
                    go_error("write", path, &e)
                })
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Target::Staged { staging, .. } = &self.target
            && !self.committed
        {
            // Best effort: the run is failing already and reports why.
            let _ = std::fs::remove_file(staging);
        }
    }
}

/// Only a regular file (or one not there yet) can be replaced by renaming.
fn stages(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) => meta.is_file(),
        Err(e) => e.kind() == io::ErrorKind::NotFound,
    }
}

/// `.<name>.kube-inject-<pid>` in the target's directory: the same file system, so the rename
/// is atomic.
fn staging_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    path.with_file_name(format!(".{name}.kube-inject-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_whole_on_commit_and_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.yaml");
        std::fs::write(&path, "old\n").unwrap();
        let mut sink = Sink::open(Some(&path), 0).unwrap();
        sink.write("a: 1\n---\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        sink.write("b: 2\n---\n").unwrap();
        sink.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "a: 1\n---\nb: 2\n---\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_abandoned_sink_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.yaml");
        let mut sink = Sink::open(Some(&path), 0).unwrap();
        sink.write("a: 1\n").unwrap();
        drop(sink);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_directory_is_reported_for_the_output_path() {
        let error = match Sink::open(Some(Path::new("/nonexistent/dir/out.yaml")), 0) {
            Ok(_) => panic!("opened a file in a missing directory"),
            Err(error) => error,
        };
        assert_eq!(
            error,
            "open /nonexistent/dir/out.yaml: no such file or directory"
        );
    }

    #[test]
    fn only_regular_files_are_staged() {
        let dir = tempfile::tempdir().unwrap();
        assert!(stages(&dir.path().join("new.yaml")));
        assert!(!stages(Path::new("/dev/null")));
        assert!(!stages(dir.path()));
        let error = Sink::open(Some(dir.path()), 0).err().unwrap();
        assert!(error.ends_with(": is a directory"), "{error}");
    }
}
