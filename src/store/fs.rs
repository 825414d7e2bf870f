//! An in-memory POSIX-like filesystem: the bytes on a simulated volume, an emptyDir, a node's
//! disk or a container's writable layer.
//!
//! Paths are absolute within the filesystem (`/pgdata/PG_VERSION`); the mount table of a
//! container maps its paths onto filesystems. Errors carry the errno text a Linux program
//! prints (`No such file or directory`).

use std::collections::BTreeMap;
use std::fmt;

use crate::engine::SimTime;

/// A Linux errno, as programs print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    /// `ENOENT`.
    #[error("No such file or directory")]
    NotFound,
    /// `ENOTDIR`.
    #[error("Not a directory")]
    NotADirectory,
    /// `EISDIR`.
    #[error("Is a directory")]
    IsADirectory,
    /// `EEXIST`.
    #[error("File exists")]
    Exists,
    /// `ENOTEMPTY`.
    #[error("Directory not empty")]
    NotEmpty,
    /// `EROFS`.
    #[error("Read-only file system")]
    ReadOnly,
    /// `EACCES`.
    #[error("Permission denied")]
    PermissionDenied,
    /// `ENOSPC`.
    #[error("No space left on device")]
    NoSpace,
    /// `EBUSY` (removing a mount point).
    #[error("Device or resource busy")]
    Busy,
    /// `EINVAL` (e.g. moving a directory into itself).
    #[error("Invalid argument")]
    Invalid,
    /// `ELOOP` (more than [`MAX_SYMLINKS`] links followed while resolving a path).
    #[error("Too many levels of symbolic links")]
    Loop,
}

/// How many symbolic links one path resolution follows before failing with `ELOOP`
/// (Linux's `MAXSYMLINKS`).
pub const MAX_SYMLINKS: usize = 40;

/// Ownership and permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    /// Permission bits (`0o755`).
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Last modification.
    pub mtime: SimTime,
}

/// One entry of a filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A regular file.
    File {
        /// Contents.
        data: Vec<u8>,
        /// Ownership and mode.
        meta: Meta,
    },
    /// A directory.
    Dir {
        /// Entries by name, in byte order (what `ls` sorts by in the C locale).
        entries: BTreeMap<String, Node>,
        /// Ownership and mode.
        meta: Meta,
    },
    /// A symbolic link.
    Symlink {
        /// Where it points.
        target: String,
        /// Ownership.
        meta: Meta,
    },
}

impl Node {
    /// The entry's metadata.
    pub fn meta(&self) -> &Meta {
        match self {
            Node::File { meta, .. } | Node::Dir { meta, .. } | Node::Symlink { meta, .. } => meta,
        }
    }

    fn meta_mut(&mut self) -> &mut Meta {
        match self {
            Node::File { meta, .. } | Node::Dir { meta, .. } | Node::Symlink { meta, .. } => meta,
        }
    }

    /// True for a directory.
    pub fn is_dir(&self) -> bool {
        matches!(self, Node::Dir { .. })
    }

    /// Bytes used by the entry and everything below it (file contents only).
    pub fn used_bytes(&self) -> u64 {
        match self {
            Node::File { data, .. } => data.len() as u64,
            Node::Dir { entries, .. } => entries.values().map(Node::used_bytes).sum(),
            Node::Symlink { .. } => 0,
        }
    }
}

/// A filesystem: a root directory and a capacity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fs {
    root: Node,
    /// Size in bytes (`df` reports it); writes beyond it fail with `ENOSPC`.
    pub capacity: u64,
    /// True for a read-only mount source (configMap, secret, projected).
    pub read_only: bool,
    /// Bytes of file contents, kept up to date by every write.
    used: u64,
}

fn split(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

impl Fs {
    /// An empty filesystem owned by root.
    pub fn new(capacity: u64, now: SimTime) -> Fs {
        Fs {
            root: Node::Dir {
                entries: BTreeMap::new(),
                meta: Meta {
                    mode: 0o755,
                    uid: 0,
                    gid: 0,
                    mtime: now,
                },
            },
            capacity,
            read_only: false,
            used: 0,
        }
    }

    /// A freshly formatted ext4 volume: empty but for `lost+found` (mode 0700), as a new
    /// block-device volume is.
    pub fn new_ext4(capacity: u64, now: SimTime) -> Fs {
        let mut fs = Fs::new(capacity, now);
        fs.mkdir("/lost+found", 0o700, now)
            .expect("a new filesystem has room for lost+found");
        fs
    }

    /// Bytes used by file contents.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Resolves `path` to the components of the entry it names, following symbolic links in
    /// its intermediate components and, with `follow`, in its last one (a trailing `/` also
    /// follows it). A relative link target is taken from the link's directory, an absolute one
    /// from this filesystem's root, as `path_resolution(7)` does; `..` goes up one directory
    /// (not above the root). The named entry need not exist, but its directory must.
    fn resolve(&self, path: &str, follow: bool) -> Result<(Vec<String>, bool), FsError> {
        let follow = follow || path.ends_with('/');
        let mut pending: Vec<String> = split(path).into_iter().rev().map(String::from).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(c) = pending.pop() {
            if c == ".." {
                done.pop();
                continue;
            }
            let Node::Dir { entries, .. } = self.walk(&done)? else {
                return Err(FsError::NotADirectory);
            };
            let last = pending.is_empty();
            match entries.get(&c) {
                Some(Node::Symlink { target, .. }) if !last || follow => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(FsError::Loop);
                    }
                    if target.starts_with('/') {
                        done.clear();
                    }
                    pending.extend(split(target).into_iter().rev().map(String::from));
                }
                Some(_) => done.push(c),
                None if last => {
                    done.push(c);
                    return Ok((done, false));
                }
                None => return Err(FsError::NotFound),
            }
        }
        Ok((done, true))
    }

    /// The entry at already resolved components (no symlinks followed).
    fn walk(&self, parts: &[String]) -> Result<&Node, FsError> {
        let mut node = &self.root;
        for c in parts {
            match node {
                Node::Dir { entries, .. } => node = entries.get(c).ok_or(FsError::NotFound)?,
                _ => return Err(FsError::NotADirectory),
            }
        }
        Ok(node)
    }

    fn walk_mut(&mut self, parts: &[String]) -> Result<&mut Node, FsError> {
        let mut node = &mut self.root;
        for c in parts {
            match node {
                Node::Dir { entries, .. } => {
                    node = entries.get_mut(c).ok_or(FsError::NotFound)?;
                }
                _ => return Err(FsError::NotADirectory),
            }
        }
        Ok(node)
    }

    /// The components of the existing entry `path` names.
    fn existing(&self, path: &str, follow: bool) -> Result<Vec<String>, FsError> {
        match self.resolve(path, follow)? {
            (parts, true) => Ok(parts),
            (_, false) => Err(FsError::NotFound),
        }
    }

    /// The entry at `path`, not following a final symlink (`lstat`): what `ls -l` shows.
    /// Symbolic links in the directories leading to it are followed.
    pub fn lookup(&self, path: &str) -> Result<&Node, FsError> {
        self.walk(&self.existing(path, false)?)
    }

    /// The entry at `path`, following every symlink (`stat`): what `ls -L`, `cat` and `cd`
    /// see.
    pub fn stat(&self, path: &str) -> Result<&Node, FsError> {
        self.walk(&self.existing(path, true)?)
    }

    /// The target of the symbolic link at `path` (`readlink`); `EINVAL` for anything else.
    pub fn read_link(&self, path: &str) -> Result<&str, FsError> {
        match self.lookup(path)? {
            Node::Symlink { target, .. } => Ok(target),
            _ => Err(FsError::Invalid),
        }
    }

    fn lookup_mut(&mut self, path: &str) -> Result<&mut Node, FsError> {
        let parts = self.existing(path, false)?;
        self.walk_mut(&parts)
    }

    /// True when `path` exists.
    pub fn exists(&self, path: &str) -> bool {
        self.lookup(path).is_ok()
    }

    /// The parent directory's entries and the last component of `path` (symlinks followed in
    /// the directories, not in the last component).
    fn parent_mut(&mut self, path: &str) -> Result<(&mut BTreeMap<String, Node>, String), FsError> {
        let (mut parts, _) = self.resolve(path, false)?;
        let last = parts.pop().ok_or(FsError::Exists)?;
        match self.walk_mut(&parts)? {
            Node::Dir { entries, .. } => Ok((entries, last)),
            _ => Err(FsError::NotADirectory),
        }
    }

    /// Where a write to `path` lands: through a final symlink to its target (which may not
    /// exist yet), as `open(O_CREAT)` does.
    fn write_target(&self, path: &str) -> Result<String, FsError> {
        let (parts, _) = self.resolve(path, true)?;
        Ok(format!("/{}", parts.join("/")))
    }

    /// Reads a file, through symbolic links.
    pub fn read(&self, path: &str) -> Result<&[u8], FsError> {
        match self.stat(path)? {
            Node::File { data, .. } => Ok(data),
            Node::Dir { .. } => Err(FsError::IsADirectory),
            Node::Symlink { .. } => Err(FsError::Loop),
        }
    }

    /// Creates or replaces a file's contents (`>`); the parent must exist.
    pub fn write(&mut self, path: &str, data: &[u8], now: SimTime) -> Result<(), FsError> {
        self.write_with(path, data, now, false)
    }

    /// Appends to a file, creating it (`>>`).
    pub fn append(&mut self, path: &str, data: &[u8], now: SimTime) -> Result<(), FsError> {
        self.write_with(path, data, now, true)
    }

    fn write_with(
        &mut self,
        path: &str,
        data: &[u8],
        now: SimTime,
        append: bool,
    ) -> Result<(), FsError> {
        if self.read_only {
            return Err(FsError::ReadOnly);
        }
        let target = self.write_target(path)?;
        let path = target.as_str();
        let old_len = match self.lookup(path) {
            Ok(Node::File { data, .. }) => data.len() as u64,
            Ok(Node::Dir { .. }) => return Err(FsError::IsADirectory),
            _ => 0,
        };
        let new_len = if append {
            old_len + data.len() as u64
        } else {
            data.len() as u64
        };
        if self.used - old_len + new_len > self.capacity {
            return Err(FsError::NoSpace);
        }
        self.used = self.used - old_len + new_len;
        let (entries, name) = self.parent_mut(path)?;
        match entries.get_mut(&name) {
            Some(Node::File { data: d, meta }) => {
                if append {
                    d.extend_from_slice(data);
                } else {
                    *d = data.to_vec();
                }
                meta.mtime = now;
            }
            Some(_) => return Err(FsError::IsADirectory),
            None => {
                entries.insert(
                    name,
                    Node::File {
                        data: data.to_vec(),
                        meta: Meta {
                            mode: 0o644,
                            uid: 0,
                            gid: 0,
                            mtime: now,
                        },
                    },
                );
            }
        }
        Ok(())
    }

    /// Creates a directory (`mkdir`); the parent must exist.
    pub fn mkdir(&mut self, path: &str, mode: u32, now: SimTime) -> Result<(), FsError> {
        self.create(
            path,
            Node::Dir {
                entries: BTreeMap::new(),
                meta: Meta {
                    mode,
                    uid: 0,
                    gid: 0,
                    mtime: now,
                },
            },
        )
    }

    /// Adds a new entry at `path`; the parent must exist and the name be free.
    fn create(&mut self, path: &str, node: Node) -> Result<(), FsError> {
        if self.read_only {
            return Err(FsError::ReadOnly);
        }
        let (entries, name) = self.parent_mut(path)?;
        if entries.contains_key(&name) {
            return Err(FsError::Exists);
        }
        entries.insert(name, node);
        Ok(())
    }

    /// Creates a directory and its missing parents (`mkdir -p`).
    pub fn mkdir_p(&mut self, path: &str, mode: u32, now: SimTime) -> Result<(), FsError> {
        let mut prefix = String::new();
        for c in split(path) {
            prefix.push('/');
            prefix.push_str(c);
            match self.lookup(&prefix) {
                Ok(n) if n.is_dir() => {}
                Ok(_) => return Err(FsError::NotADirectory),
                Err(FsError::NotFound) => self.mkdir(&prefix, mode, now)?,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Creates a symbolic link at `path` pointing to `target` (`ln -s target path`); the
    /// target need not exist. Links are `lrwxrwxrwx` and owned by root.
    pub fn symlink(&mut self, path: &str, target: &str, now: SimTime) -> Result<(), FsError> {
        self.create(
            path,
            Node::Symlink {
                target: target.to_string(),
                meta: Meta {
                    mode: 0o777,
                    uid: 0,
                    gid: 0,
                    mtime: now,
                },
            },
        )
    }

    /// The names in a directory (through symbolic links), in byte order.
    pub fn list(&self, path: &str) -> Result<Vec<String>, FsError> {
        match self.stat(path)? {
            Node::Dir { entries, .. } => Ok(entries.keys().cloned().collect()),
            _ => Err(FsError::NotADirectory),
        }
    }

    /// Removes a file or an empty directory (`rm`, `rmdir`), or a whole tree with `recursive`.
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        if self.read_only {
            return Err(FsError::ReadOnly);
        }
        let (entries, name) = self.parent_mut(path)?;
        match entries.get(&name) {
            None => Err(FsError::NotFound),
            Some(Node::Dir { entries: e, .. }) if !recursive && !e.is_empty() => {
                Err(FsError::NotEmpty)
            }
            Some(_) => {
                let gone = entries.remove(&name).map_or(0, |n| n.used_bytes());
                self.used -= gone;
                Ok(())
            }
        }
    }

    /// Changes ownership (`chown`), recursively with `recursive`.
    pub fn chown(
        &mut self,
        path: &str,
        uid: u32,
        gid: u32,
        recursive: bool,
    ) -> Result<(), FsError> {
        fn walk(n: &mut Node, uid: u32, gid: u32, recursive: bool) {
            let m = n.meta_mut();
            m.uid = uid;
            m.gid = gid;
            if recursive && let Node::Dir { entries, .. } = n {
                for e in entries.values_mut() {
                    walk(e, uid, gid, true);
                }
            }
        }
        walk(self.lookup_mut(path)?, uid, gid, recursive);
        Ok(())
    }

    /// Changes permission bits (`chmod`).
    pub fn chmod(&mut self, path: &str, mode: u32) -> Result<(), FsError> {
        self.lookup_mut(path)?.meta_mut().mode = mode;
        Ok(())
    }

    /// Copies the tree at `from` into `to` (which must not exist) within this filesystem.
    pub fn copy_tree(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        let node = self.lookup(from)?.clone();
        let size = node.used_bytes();
        if self.used + size > self.capacity {
            return Err(FsError::NoSpace);
        }
        let (entries, name) = self.parent_mut(to)?;
        if entries.contains_key(&name) {
            return Err(FsError::Exists);
        }
        entries.insert(name, node);
        self.used += size;
        Ok(())
    }

    /// Inserts a whole subtree at `path` (replacing what was there), e.g. an image's files.
    pub fn put_tree(&mut self, path: &str, node: Node) -> Result<(), FsError> {
        let size = node.used_bytes();
        if split(path).is_empty() {
            self.root = node;
            self.used = size;
            return Ok(());
        }
        let (entries, name) = self.parent_mut(path)?;
        let old = entries.insert(name, node).map_or(0, |n| n.used_bytes());
        self.used = self.used - old + size;
        Ok(())
    }
}

impl fmt::Display for Meta {
    /// `ls -l` style permission string for a file (`-rw-r--r--`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bits = ['r', 'w', 'x'];
        let mut s = String::with_capacity(9);
        for shift in [6u32, 3, 0] {
            for (i, c) in bits.iter().enumerate() {
                let on = (self.mode >> (shift + 2 - i as u32)) & 1 == 1;
                s.push(if on { *c } else { '-' });
            }
        }
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> SimTime {
        SimTime::ZERO
    }

    #[test]
    fn a_new_ext4_volume_holds_only_lost_and_found() {
        let fs = Fs::new_ext4(1 << 30, t());
        assert_eq!(fs.list("/").unwrap(), ["lost+found"]);
        assert_eq!(fs.lookup("/lost+found").unwrap().meta().mode, 0o700);
        assert_eq!(fs.used(), 0);
    }

    #[test]
    fn files_and_directories_behave_like_linux() {
        let mut fs = Fs::new(1024, t());
        assert_eq!(fs.write("/a/b", b"x", t()), Err(FsError::NotFound));
        fs.mkdir_p("/a/b", 0o755, t()).unwrap();
        fs.write("/a/b/f", b"hello", t()).unwrap();
        fs.append("/a/b/f", b"!", t()).unwrap();
        assert_eq!(fs.read("/a/b/f").unwrap(), b"hello!");
        assert_eq!(fs.read("/a/b"), Err(FsError::IsADirectory));
        assert_eq!(fs.mkdir("/a", 0o755, t()), Err(FsError::Exists));
        assert_eq!(fs.remove("/a", false), Err(FsError::NotEmpty));
        assert_eq!(fs.list("/a/b/f"), Err(FsError::NotADirectory));
        fs.remove("/a", true).unwrap();
        assert!(!fs.exists("/a/b/f"));
        assert_eq!(FsError::NotFound.to_string(), "No such file or directory");
    }

    #[test]
    fn capacity_and_read_only_are_enforced() {
        let mut fs = Fs::new(4, t());
        assert_eq!(fs.write("/f", b"12345", t()), Err(FsError::NoSpace));
        fs.write("/f", b"1234", t()).unwrap();
        fs.read_only = true;
        assert_eq!(fs.write("/g", b"", t()), Err(FsError::ReadOnly));
    }

    #[test]
    fn ownership_and_modes() {
        let mut fs = Fs::new(100, t());
        fs.mkdir_p("/var/lib/postgresql/data", 0o700, t()).unwrap();
        fs.chown("/var", 999, 999, true).unwrap();
        assert_eq!(
            fs.lookup("/var/lib/postgresql/data").unwrap().meta().uid,
            999
        );
        assert_eq!(
            fs.lookup("/var/lib/postgresql/data")
                .unwrap()
                .meta()
                .to_string(),
            "rwx------"
        );
    }

    /// The kubelet's AtomicWriter layout: `name -> ..data/name`, `..data -> ..<ts>`.
    fn atomic_layout() -> Fs {
        let mut fs = Fs::new(1024, t());
        fs.mkdir_p("/..2025_01_01_00_00_00.1/sub", 0o755, t())
            .unwrap();
        fs.write("/..2025_01_01_00_00_00.1/password", b"pw", t())
            .unwrap();
        fs.write("/..2025_01_01_00_00_00.1/sub/f", b"nested", t())
            .unwrap();
        fs.symlink("/..data", "..2025_01_01_00_00_00.1", t())
            .unwrap();
        fs.symlink("/password", "..data/password", t()).unwrap();
        fs.symlink("/sub", "..data/sub", t()).unwrap();
        fs
    }

    #[test]
    fn reads_follow_relative_links_through_intermediate_components() {
        let fs = atomic_layout();
        assert_eq!(fs.read("/password").unwrap(), b"pw");
        assert_eq!(fs.read("/sub/f").unwrap(), b"nested");
        assert_eq!(fs.read("/..data/sub/f").unwrap(), b"nested");
        assert_eq!(fs.list("/sub").unwrap(), ["f"]);
        assert_eq!(fs.list("/..data").unwrap(), ["password", "sub"]);
        // lookup (lstat) keeps the final link; stat follows it.
        assert!(matches!(
            fs.lookup("/password").unwrap(),
            Node::Symlink { target, .. } if target == "..data/password"
        ));
        assert!(matches!(fs.lookup("/sub/f").unwrap(), Node::File { .. }));
        assert!(matches!(fs.stat("/password").unwrap(), Node::File { .. }));
        assert!(fs.stat("/sub").unwrap().is_dir());
        assert_eq!(fs.read_link("/..data").unwrap(), "..2025_01_01_00_00_00.1");
        assert_eq!(fs.read_link("/sub/f"), Err(FsError::Invalid));
    }

    #[test]
    fn targets_resolve_from_the_link_directory_and_dot_dot_goes_up() {
        let mut fs = Fs::new(1024, t());
        fs.mkdir_p("/a/b", 0o755, t()).unwrap();
        fs.write("/a/f", b"up", t()).unwrap();
        fs.write("/top", b"abs", t()).unwrap();
        fs.symlink("/a/b/up", "../f", t()).unwrap();
        fs.symlink("/a/b/abs", "/top", t()).unwrap();
        fs.symlink("/a/b/self", ".", t()).unwrap();
        assert_eq!(fs.read("/a/b/up").unwrap(), b"up");
        assert_eq!(fs.read("/a/b/abs").unwrap(), b"abs");
        assert_eq!(fs.read("/a/b/self/self/up").unwrap(), b"up");
        assert_eq!(fs.read("/a/b/../f").unwrap(), b"up");
        // A dangling link: lstat sees it, stat and read do not.
        fs.symlink("/dangling", "nowhere", t()).unwrap();
        assert!(fs.lookup("/dangling").is_ok());
        assert_eq!(fs.stat("/dangling").err(), Some(FsError::NotFound));
        assert_eq!(fs.read("/dangling"), Err(FsError::NotFound));
        // Writing through a link writes its target; removing it removes the link.
        fs.write("/a/b/up", b"new", t()).unwrap();
        assert_eq!(fs.read("/a/f").unwrap(), b"new");
        fs.remove("/a/b/up", false).unwrap();
        assert_eq!(fs.read("/a/f").unwrap(), b"new");
        assert_eq!(fs.symlink("/a/f", "x", t()), Err(FsError::Exists));
    }

    #[test]
    fn link_loops_fail_with_eloop() {
        let mut fs = Fs::new(1024, t());
        fs.symlink("/x", "y", t()).unwrap();
        fs.symlink("/y", "x", t()).unwrap();
        assert_eq!(fs.read("/x"), Err(FsError::Loop));
        assert_eq!(fs.lookup("/x/z").err(), Some(FsError::Loop));
        assert!(fs.lookup("/x").is_ok());
        assert_eq!(
            FsError::Loop.to_string(),
            "Too many levels of symbolic links"
        );
        // A chain of exactly MAX_SYMLINKS links still resolves.
        fs.write("/f", b"end", t()).unwrap();
        let mut prev = "f".to_string();
        for i in 0..MAX_SYMLINKS {
            let name = format!("l{i}");
            fs.symlink(&format!("/{name}"), &prev, t()).unwrap();
            prev = name;
        }
        assert_eq!(fs.read(&format!("/{prev}")).unwrap(), b"end");
        fs.symlink("/one-more", &prev, t()).unwrap();
        assert_eq!(fs.read("/one-more"), Err(FsError::Loop));
    }
}
