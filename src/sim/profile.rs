//! Timing profiles: every latency of the simulated cluster, as data (`design.md` §2).
//!
//! A profile is a YAML document of named latencies in milliseconds. The three built-in
//! profiles (`kind`, `cloud`, `instant`) live in `src/sim/profiles/`; a user may pass their own
//! file. Components ask for latencies by key; asking for a key the profile lacks is a bug in the
//! component (the built-in profiles must define every key a component uses), reported at load
//! time by [`TimingProfile::check_keys`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::engine::SimDuration;

/// A named set of latencies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimingProfile {
    name: String,
    latencies: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    latencies: BTreeMap<String, u64>,
}

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    /// The text is not a profile document.
    #[error("timing profile {source_name}: {message}")]
    Malformed {
        /// Where the text came from.
        source_name: String,
        /// What the parser said.
        message: String,
    },
    /// No built-in profile has that name.
    #[error("unknown timing profile {0:?} (expected kind, cloud or instant)")]
    Unknown(String),
    /// The profile lacks keys that components use.
    #[error("timing profile {profile} lacks {}", missing.join(", "))]
    MissingKeys {
        /// The profile's name.
        profile: String,
        /// The keys it lacks.
        missing: Vec<String>,
    },
}

const KIND: &str = include_str!("profiles/kind.yaml");
const CLOUD: &str = include_str!("profiles/cloud.yaml");
const INSTANT: &str = include_str!("profiles/instant.yaml");

impl TimingProfile {
    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Result<TimingProfile, ProfileError> {
        let text = match name {
            "kind" => KIND,
            "cloud" => CLOUD,
            "instant" => INSTANT,
            other => return Err(ProfileError::Unknown(other.to_string())),
        };
        TimingProfile::parse(&format!("built-in {name}"), text)
    }

    /// The default profile, `kind`.
    pub fn kind() -> TimingProfile {
        TimingProfile::builtin("kind").expect("the built-in kind profile parses")
    }

    /// The `instant` profile, for property tests.
    pub fn instant() -> TimingProfile {
        TimingProfile::builtin("instant").expect("the built-in instant profile parses")
    }

    /// Parses a profile document.
    pub fn parse(source_name: &str, text: &str) -> Result<TimingProfile, ProfileError> {
        let f: ProfileFile = serde_yaml::from_str(text).map_err(|e| ProfileError::Malformed {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
        Ok(TimingProfile {
            name: f.name,
            latencies: f.latencies,
        })
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The latency named `key`.
    ///
    /// # Panics
    /// If the profile lacks `key`: components only use keys every built-in profile defines,
    /// and user profiles are checked with [`TimingProfile::check_keys`] when loaded.
    pub fn get(&self, key: &str) -> SimDuration {
        match self.latencies.get(key) {
            Some(ms) => SimDuration::from_ms(*ms),
            None => panic!("timing profile {} has no latency {key:?}", self.name),
        }
    }

    /// The latency named `key`, if the profile defines it.
    pub fn try_get(&self, key: &str) -> Option<SimDuration> {
        self.latencies.get(key).map(|ms| SimDuration::from_ms(*ms))
    }

    /// Checks that the profile defines every key the built-in `kind` profile defines.
    pub fn check_keys(&self) -> Result<(), ProfileError> {
        let reference = TimingProfile::kind();
        let missing: Vec<String> = reference
            .latencies
            .keys()
            .filter(|k| !self.latencies.contains_key(*k))
            .cloned()
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ProfileError::MissingKeys {
                profile: self.name.clone(),
                missing,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_define_the_same_keys() {
        for name in ["kind", "cloud", "instant"] {
            let p = TimingProfile::builtin(name).unwrap();
            assert_eq!(p.name(), name);
            p.check_keys().unwrap();
        }
    }

    #[test]
    fn bad_profiles_are_clear_errors() {
        assert_eq!(
            TimingProfile::builtin("fast"),
            Err(ProfileError::Unknown("fast".into()))
        );
        let e = TimingProfile::parse("p.yaml", "name: x\nlatency: {}\n").unwrap_err();
        assert!(e.to_string().starts_with("timing profile p.yaml: "), "{e}");
        let p = TimingProfile::parse("p.yaml", "name: x\nlatencies: {}\n").unwrap();
        assert!(
            p.check_keys()
                .unwrap_err()
                .to_string()
                .contains("controller.reaction")
        );
    }
}
