//! `--proxyConfigFile`: the cluster's ProxyConfig resources, saved to a file.

use std::path::Path;

use injector::config::ProxyConfigResources;

use crate::files;

pub fn load(path: &Path) -> Result<ProxyConfigResources, String> {
    let text = files::read_text(path)?;
    ProxyConfigResources::from_yaml(&text)
        .map_err(|e| format!("loading --proxyConfigFile {}: {e}", path.display()))
}
