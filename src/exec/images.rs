//! What an image holds, as programs see it: its programs, environment, working directory and
//! files. The facts live with the application modules ([`crate::apps::profile`]); this module
//! answers the questions the exec layer asks.

use crate::apps::{self, Flavor};

/// The environment the image sets (`ENV` lines of its Dockerfile).
pub fn image_env(image: &str) -> Vec<(String, String)> {
    apps::profile(image).env
}

/// The image's `WORKDIR` (`/` when it sets none).
pub fn image_workdir(image: &str) -> String {
    apps::profile(image).workdir
}

/// True when the image has the program `arg0` (a bare name on its `PATH`, or a path to one).
pub fn has_program(image: &str, arg0: &str) -> bool {
    let p = apps::profile(image);
    let name = super::program_name(arg0);
    if arg0.contains('/') {
        // Absolute paths: the usual bin directories.
        let dir = &arg0[..arg0.len() - name.len()];
        let known_dir = matches!(
            dir,
            "/bin/"
                | "/usr/bin/"
                | "/usr/local/bin/"
                | "/sbin/"
                | "/usr/sbin/"
                | "/usr/local/sbin/"
        ) || dir.starts_with("/usr/lib/postgresql/");
        return known_dir && p.programs.iter().any(|x| x == name);
    }
    p.programs.iter().any(|x| x == name)
}

/// Whose tools the image ships: BusyBox's or GNU's (their messages differ).
pub fn flavor(image: &str) -> Flavor {
    apps::profile(image).flavor
}
