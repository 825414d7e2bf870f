//! Images on a node: reference normalization as containerd reports it, the node's image
//! cache, and the serialized pull queue (`pkg/kubelet/images`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ContainerImage;

use crate::engine::SimTime;

/// 64-bit FNV-1a: a stable hash (std's hashers are not stable across releases).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `n` lowercase hex digits derived from `seed` (SplitMix64), for digests and ids that must
/// be stable functions of a name.
pub fn stable_hex(seed: &[u8], n: usize) -> String {
    let mut state = stable_hash(seed);
    let mut out = String::with_capacity(n + 16);
    while out.len() < n {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.push_str(&format!("{z:016x}"));
    }
    out.truncate(n);
    out
}

/// A parsed image reference, normalized as containerd does (`nginx:1.25` →
/// `docker.io/library/nginx:1.25`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// Parses `image` leniently (validation already happened at admission).
    pub fn parse(image: &str) -> ImageRef {
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (image, None),
        };
        let (domain, remainder) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let (mut path, tag) = match remainder.rsplit_once(':') {
            Some((p, t)) if !t.contains('/') => (p.to_string(), Some(t.to_string())),
            _ => (remainder.clone(), None),
        };
        if domain == "docker.io" && !path.contains('/') {
            path = format!("library/{path}");
        }
        let tag = match (tag, &digest) {
            (None, None) => Some("latest".to_string()),
            (t, _) => t,
        };
        ImageRef {
            domain,
            path,
            tag,
            digest,
        }
    }

    /// `docker.io/library/nginx`.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The tag (`latest` when none is given).
    pub fn tag(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// The last path segment: `nginx`, `nginx-slim`, `postgresql`.
    pub fn short_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// `docker.io/library/nginx:1.25`, or `repo@sha256:...` for a digest-only reference: the
    /// name the runtime reports in `containerStatuses[].image` and keys its cache by.
    pub fn tagged(&self) -> String {
        match (&self.tag, &self.digest) {
            (Some(t), _) => format!("{}:{}", self.repository(), t),
            (None, Some(d)) => format!("{}@{}", self.repository(), d),
            (None, None) => self.repository(),
        }
    }

    /// The content digest: the reference's own, or one derived from its name.
    pub fn digest(&self) -> String {
        match &self.digest {
            Some(d) => d.clone(),
            None => format!("sha256:{}", stable_hex(self.tagged().as_bytes(), 64)),
        }
    }

    /// `docker.io/library/nginx@sha256:...`: what `containerStatuses[].imageID` shows.
    pub fn image_id(&self) -> String {
        format!("{}@{}", self.repository(), self.digest())
    }
}

/// One image stored on the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedImage {
    /// Size in bytes.
    pub size_bytes: u64,
    /// `repo@sha256:...`.
    pub image_id: String,
}

/// The images present on a node, keyed by normalized tagged reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageCache {
    images: BTreeMap<String, CachedImage>,
}

/// The kubelet reports at most this many images in `node.status.images`
/// (`nodeStatusMaxImages`).
const NODE_STATUS_MAX_IMAGES: usize = 50;

impl ImageCache {
    /// True when `image` is present.
    pub fn contains(&self, image: &str) -> bool {
        self.images.contains_key(&ImageRef::parse(image).tagged())
    }

    /// Stores `image`.
    pub fn insert(&mut self, image: &str, size_bytes: u64) {
        let r = ImageRef::parse(image);
        self.images.insert(
            r.tagged(),
            CachedImage {
                size_bytes,
                image_id: r.image_id(),
            },
        );
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// True when no image is stored.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// `node.status.images`: largest first, each named by digest then tag.
    pub fn node_images(&self) -> Vec<ContainerImage> {
        let mut list: Vec<(&String, &CachedImage)> = self.images.iter().collect();
        list.sort_by(|a, b| b.1.size_bytes.cmp(&a.1.size_bytes).then(a.0.cmp(b.0)));
        list.into_iter()
            .take(NODE_STATUS_MAX_IMAGES)
            .map(|(tagged, img)| ContainerImage {
                names: Some(vec![img.image_id.clone(), tagged.clone()]),
                size_bytes: Some(i64::try_from(img.size_bytes).unwrap_or(i64::MAX)),
            })
            .collect()
    }
}

/// The serialized image puller (`serialImagePuller`, the kubelet default): one pull at a time
/// per node; a request waits for the pulls queued before it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullQueue {
    busy_until: SimTime,
}

impl PullQueue {
    /// Queues a pull requested at `now` that takes `duration` once started; returns when it
    /// finishes.
    pub fn enqueue(&mut self, now: SimTime, duration: crate::engine::SimDuration) -> SimTime {
        let start = self.busy_until.max(now);
        let end = start + duration;
        self.busy_until = end;
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    #[test]
    fn references_normalize_like_containerd() {
        let r = ImageRef::parse("nginx:1.25");
        assert_eq!(r.tagged(), "docker.io/library/nginx:1.25");
        assert_eq!(r.short_name(), "nginx");
        assert_eq!(
            ImageRef::parse("nginx").tagged(),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(
            ImageRef::parse("bitnami/postgresql:16").tagged(),
            "docker.io/bitnami/postgresql:16"
        );
        assert_eq!(
            ImageRef::parse("registry.k8s.io/nginx-slim:0.21").tagged(),
            "registry.k8s.io/nginx-slim:0.21"
        );
        assert_eq!(
            ImageRef::parse("localhost:5000/app").tagged(),
            "localhost:5000/app:latest"
        );
        let d = ImageRef::parse("busybox@sha256:0123");
        assert_eq!(d.tagged(), "docker.io/library/busybox@sha256:0123");
        assert_eq!(d.image_id(), "docker.io/library/busybox@sha256:0123");
        let id = r.image_id();
        assert!(id.starts_with("docker.io/library/nginx@sha256:"));
        assert_eq!(id.len(), "docker.io/library/nginx@sha256:".len() + 64);
        assert_eq!(
            id,
            ImageRef::parse("docker.io/library/nginx:1.25").image_id()
        );
    }

    #[test]
    fn cache_lists_largest_images_first_with_digest_and_tag() {
        let mut c = ImageCache::default();
        c.insert("busybox:1.36", 2_000_000);
        c.insert("nginx:1.25", 70_000_000);
        assert!(c.contains("docker.io/library/nginx:1.25"));
        assert!(!c.contains("nginx:1.26"));
        let list = c.node_images();
        let names = list[0].names.clone().unwrap();
        assert_eq!(names[1], "docker.io/library/nginx:1.25");
        assert!(names[0].starts_with("docker.io/library/nginx@sha256:"));
        assert_eq!(list[1].size_bytes, Some(2_000_000));
    }

    #[test]
    fn pulls_are_serialized() {
        let mut q = PullQueue::default();
        let t0 = SimTime::from_ms(1000);
        assert_eq!(
            q.enqueue(t0, SimDuration::from_secs(5)),
            SimTime::from_ms(6000)
        );
        assert_eq!(
            q.enqueue(SimTime::from_ms(2000), SimDuration::from_secs(1)),
            SimTime::from_ms(7000),
            "the second pull waits for the first"
        );
        assert_eq!(
            q.enqueue(SimTime::from_ms(9000), SimDuration::from_secs(1)),
            SimTime::from_ms(10_000)
        );
    }
}
