//! Atomic outputs: files and folders appear whole or not at all.
//!
//! A file is written beside its destination under a temporary name and renamed into place.
//! A folder of outputs is built in a staging folder and swapped in by [`StagedDir::commit`];
//! dropping a `StagedDir` without committing removes the staging folder, so an error never
//! leaves a half-written output behind.
//!
//! A run's several output folders are committed together by a [`Generation`]: every folder is
//! written into `out/.placeplan/gen-<pid>-<n>/`, and `out/<name>` is a symbolic link to
//! `.placeplan/current/<name>`, where `.placeplan/current` is itself a link to the complete
//! generation. Committing replaces that one link with a `rename`, so that a kill at any moment
//! leaves every `out/<name>` showing the previous complete generation or the new one, never a
//! mix. Folders of the previous generation that the run does not write are carried into the new
//! one as hard links. Generations of killed runs are removed by the next run.
//!
//! For tests of that promise, the environment variable `PLACEPLAN_COMMIT_ABORT` (read only by
//! [`Generation::commit`]) aborts the process at a named point of the commit: `staged` (the new
//! generation written, nothing linked), `linked` (links of new names made, `current` not yet
//! switched), `switched` (switched, the old generation not yet removed).
//! This module must not know what the outputs are.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// A staging folder that replaces `target` when committed.
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl StagedDir {
    /// Creates an empty staging folder beside `target`.
    pub fn begin(target: &Path) -> anyhow::Result<StagedDir> {
        let parent = target.parent().unwrap_or_else(|| Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let name = target
            .file_name()
            .with_context(|| format!("{} is not a folder path", target.display()))?;
        let staging = parent.join(format!(
            ".{}.staging{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        if staging.exists() {
            fs::remove_dir_all(&staging)
                .with_context(|| format!("cannot clear {}", staging.display()))?;
        }
        fs::create_dir_all(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        Ok(StagedDir {
            target: target.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// Where to write the outputs before committing.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Replaces `target` with the staging folder.
    pub fn commit(mut self) -> anyhow::Result<()> {
        if self.target.exists() {
            fs::remove_dir_all(&self.target)
                .with_context(|| format!("cannot replace {}", self.target.display()))?;
        }
        fs::rename(&self.staging, &self.target)
            .with_context(|| format!("cannot move outputs into {}", self.target.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The folder inside an output folder that holds its generations.
pub const GENERATIONS: &str = ".placeplan";

/// A new generation of an output folder's sub-folders, committed all at once.
#[derive(Debug)]
pub struct Generation {
    out: PathBuf,
    root: PathBuf,
    /// `gen-<pid>-<n>`, inside `root`.
    name: String,
    /// The sub-folders written, in order, then the files (see [`Generation::file`]).
    folders: Vec<String>,
    files: Vec<String>,
    committed: bool,
}

impl Generation {
    /// Starts a generation in `out`, first removing what killed runs left behind.
    pub fn begin(out: &Path) -> anyhow::Result<Generation> {
        let root = out.join(GENERATIONS);
        fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
        remove_stale(out, &root)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("gen-{}-{nanos}", std::process::id());
        let dir = root.join(&name);
        fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Generation {
            out: out.to_path_buf(),
            root,
            name,
            folders: Vec::new(),
            files: Vec::new(),
            committed: false,
        })
    }

    fn dir(&self) -> PathBuf {
        self.root.join(&self.name)
    }

    /// Creates the sub-folder `name` of the new generation and returns where to write it.
    pub fn folder(&mut self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = self.dir().join(name);
        fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        self.folders.push(name.to_owned());
        Ok(dir)
    }

    /// Where to write the file `name` of the new generation (beside its folders, e.g. a
    /// workbook of the whole run); it appears as `out/<name>` with the rest.
    pub fn file(&mut self, name: &str) -> PathBuf {
        self.files.push(name.to_owned());
        self.dir().join(name)
    }

    /// Makes the new generation the visible one, in one `rename`.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let current_link = self.root.join("current");
        let current = fs::read_link(&current_link).ok().map(|t| self.root.join(t));
        // Every `out/<name>` must be free, a link of ours or a folder of an earlier placeplan
        // (which wrote folders in place): checked before anything changes.
        let names: Vec<String> = self.folders.iter().chain(&self.files).cloned().collect();
        let mut legacy = Vec::new();
        for name in &names {
            let link = self.out.join(name);
            match fs::symlink_metadata(&link) {
                Ok(m) if m.file_type().is_symlink() => {}
                Ok(m) if m.is_file() && self.files.contains(name) => legacy.push(name.clone()),
                // Only a folder an earlier placeplan wrote (it has a `manifest.json` or
                // `summary.csv`) is replaced: never someone's own folder of the same name.
                Ok(m) if m.is_dir() => {
                    let ours = ["manifest.json", "summary.csv"]
                        .iter()
                        .any(|f| link.join(f).is_file());
                    if !ours {
                        anyhow::bail!(
                            "cannot write outputs into {}: a folder placeplan did not write is in the way",
                            link.display()
                        );
                    }
                    legacy.push(name.clone());
                }
                Ok(_) => anyhow::bail!(
                    "cannot write outputs into {}: a file of that name is in the way",
                    link.display()
                ),
                Err(_) => {}
            }
        }
        // Folders of the current generation that this run does not write are kept.
        if let Some(current) = &current
            && let Ok(entries) = fs::read_dir(current)
        {
            for entry in entries {
                let entry = entry.with_context(|| format!("cannot list {}", current.display()))?;
                let name = entry.file_name();
                if names.iter().any(|f| f.as_str() == name) {
                    continue;
                }
                link_tree(&entry.path(), &self.dir().join(&name))?;
            }
        }
        sync_dir(&self.dir())?;
        abort_at("staged");
        // Folders of an earlier placeplan are moved aside (the one moment a kill can leave an
        // output missing, once, on the first run with generations).
        let trash = self.root.join(format!("trash-{}", std::process::id()));
        for name in &legacy {
            fs::create_dir_all(&trash)
                .with_context(|| format!("cannot create {}", trash.display()))?;
            let from = self.out.join(name);
            fs::rename(&from, trash.join(name))
                .with_context(|| format!("cannot replace {}", from.display()))?;
        }
        for name in &names {
            let link = self.out.join(name);
            let target = Path::new(GENERATIONS).join("current").join(name);
            if fs::read_link(&link).ok().as_deref() == Some(target.as_path()) {
                continue;
            }
            let tmp = self.out.join(format!(".{name}.link{}", std::process::id()));
            let _ = fs::remove_file(&tmp);
            std::os::unix::fs::symlink(&target, &tmp)
                .and_then(|()| fs::rename(&tmp, &link))
                .with_context(|| format!("cannot link {}", link.display()))?;
        }
        sync_dir(&self.out)?;
        abort_at("linked");
        let tmp = self.root.join(format!(".current{}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&self.name, &tmp)
            .and_then(|()| fs::rename(&tmp, &current_link))
            .with_context(|| format!("cannot switch {}", current_link.display()))?;
        sync_dir(&self.root)?;
        self.committed = true;
        abort_at("switched");
        if let Some(old) = current.filter(|c| *c != self.dir()) {
            let _ = fs::remove_dir_all(old);
        }
        let _ = fs::remove_dir_all(trash);
        Ok(())
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(self.dir());
        }
    }
}

/// Aborts the process when `PLACEPLAN_COMMIT_ABORT` names this point (tests of kills).
fn abort_at(point: &str) {
    if std::env::var_os("PLACEPLAN_COMMIT_ABORT").is_some_and(|p| p == point) {
        std::process::abort();
    }
}

/// Whether process `pid` is running (always false where `/proc` does not exist).
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes generations, trash and staging folders of runs that are no longer running, and
/// generations no link points to.
fn remove_stale(out: &Path, root: &Path) -> anyhow::Result<()> {
    let current = fs::read_link(root.join("current")).ok();
    let pid_of = |rest: &str| rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
    let listing = fs::read_dir(root).with_context(|| format!("cannot list {}", root.display()))?;
    for entry in listing.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if current.as_deref() == Some(Path::new(name)) {
            continue;
        }
        let pid = name
            .strip_prefix("gen-")
            .or_else(|| name.strip_prefix("trash-"))
            .and_then(pid_of)
            .or_else(|| name.strip_prefix(".current").and_then(pid_of));
        if pid.is_some_and(|p| !alive(p)) {
            let path = entry.path();
            let gone = if path.is_dir() && !path.is_symlink() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            gone.with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    // Staging folders and links of earlier runs, beside the outputs: `.<name>.staging<pid>`,
    // `.<name>.link<pid>`.
    for entry in fs::read_dir(out).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let pid = ["staging", "link"].iter().find_map(|tag| {
            name.starts_with('.')
                .then(|| name.rsplit_once(&format!(".{tag}")))
                .flatten()
                .and_then(|(_, pid)| pid.parse::<u32>().ok())
        });
        if pid.is_some_and(|p| !alive(p)) {
            let path = entry.path();
            let _ = if path.is_dir() && !path.is_symlink() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
    Ok(())
}

/// Recreates the tree `from` at `to` with hard links to its files (outputs are never modified
/// in place, so sharing them is safe).
fn link_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    let meta =
        fs::symlink_metadata(from).with_context(|| format!("cannot read {}", from.display()))?;
    if meta.is_dir() {
        fs::create_dir(to).with_context(|| format!("cannot create {}", to.display()))?;
        for entry in
            fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))?
        {
            let entry = entry.with_context(|| format!("cannot list {}", from.display()))?;
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        fs::hard_link(from, to)
            .with_context(|| format!("cannot link {} to {}", from.display(), to.display()))
    }
}

/// Makes a folder's entries durable.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_staging_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("plan");
        {
            let staged = StagedDir::begin(&target).unwrap();
            write_file(&staged.path().join("a.csv"), b"x").unwrap();
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
        let staged = StagedDir::begin(&target).unwrap();
        write_file(&staged.path().join("a.csv"), b"x").unwrap();
        staged.commit().unwrap();
        assert_eq!(fs::read(target.join("a.csv")).unwrap(), b"x");
    }

    #[test]
    fn a_generation_replaces_its_folders_and_keeps_the_others() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut g = Generation::begin(&out).unwrap();
        write_file(&g.folder("a").unwrap().join("x.csv"), b"1").unwrap();
        write_file(&g.folder("b").unwrap().join("x.csv"), b"1").unwrap();
        g.commit().unwrap();
        let mut g = Generation::begin(&out).unwrap();
        write_file(&g.folder("b").unwrap().join("x.csv"), b"2").unwrap();
        write_file(&g.file("book.xlsx"), b"book").unwrap();
        g.commit().unwrap();
        assert_eq!(fs::read(out.join("book.xlsx")).unwrap(), b"book");
        assert_eq!(fs::read(out.join("a/x.csv")).unwrap(), b"1");
        assert_eq!(fs::read(out.join("b/x.csv")).unwrap(), b"2");
        // One generation left, and the link to it.
        assert_eq!(fs::read_dir(out.join(GENERATIONS)).unwrap().count(), 2);
        // An uncommitted generation leaves nothing.
        let mut g = Generation::begin(&out).unwrap();
        write_file(&g.folder("c").unwrap().join("x.csv"), b"3").unwrap();
        drop(g);
        assert!(!out.join("c").exists());
        assert_eq!(fs::read_dir(out.join(GENERATIONS)).unwrap().count(), 2);
    }

    #[test]
    fn folders_of_an_earlier_layout_and_stale_staging_are_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        write_file(&out.join("a/summary.csv"), b"old").unwrap();
        write_file(&out.join("mine/notes.txt"), b"mine").unwrap();
        // A staging folder and a generation of a run that no longer exists (pid 0 is never a
        // process of ours).
        write_file(&out.join(".a.staging0/x.csv"), b"x").unwrap();
        write_file(&out.join(GENERATIONS).join("gen-0-1/a/x.csv"), b"x").unwrap();
        let mut g = Generation::begin(out).unwrap();
        assert!(!out.join(".a.staging0").exists());
        assert!(!out.join(GENERATIONS).join("gen-0-1").exists());
        write_file(&g.folder("a").unwrap().join("new.csv"), b"new").unwrap();
        g.commit().unwrap();
        assert!(!out.join("a/summary.csv").exists());
        assert_eq!(fs::read(out.join("a/new.csv")).unwrap(), b"new");
        // A folder placeplan did not write is never replaced.
        let mut g = Generation::begin(out).unwrap();
        write_file(&g.folder("mine").unwrap().join("x.csv"), b"x").unwrap();
        let e = g.commit().unwrap_err().to_string();
        assert!(
            e.contains("a folder placeplan did not write is in the way"),
            "{e}"
        );
        assert_eq!(fs::read(out.join("mine/notes.txt")).unwrap(), b"mine");
    }
}
