//! The JSON the page exchanges with the wasm module: requests are JSON text, answers are
//! JSON text, so the glue in [`crate::bindings`] stays a line per function and everything the
//! page relies on is tested here, natively.

use serde::Serialize;
use serde_json::json;

use crate::admission;
use crate::decision::{self, Namespace};
use crate::locate::{Editor, Problem};
use crate::session::Session;
use crate::settings::Settings;

/// A session for the settings JSON, or the error as a [`Problem`]'s JSON.
pub fn session(settings: &str) -> Result<Session, String> {
    Settings::from_json(settings)
        .map_err(|message| Problem::new(Editor::Settings, message))
        .and_then(Session::new)
        .map_err(|problem| to_json(&problem))
}

/// `{"decisions": [...]}` or `{"error": "..."}`.
pub fn explain(session: &Session, input: &str, namespace: &str) -> String {
    let answer = Namespace::from_json(namespace)
        .and_then(|namespace| decision::explain(session, input, &namespace));
    match answer {
        Ok(decisions) => to_json(&json!({ "decisions": decisions })),
        Err(error) => to_json(&json!({ "error": error })),
    }
}

/// `{"answer": {...} | null}` or `{"error": "..."}`.
pub fn admission(session: &Session, input: &str, namespace: &str) -> String {
    let answer = Namespace::from_json(namespace)
        .and_then(|namespace| admission::answer(session, input, &namespace));
    match answer {
        Ok(answer) => to_json(&json!({ "answer": answer })),
        Err(error) => to_json(&json!({ "error": error })),
    }
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    // Our own types always serialise; should one not, the page still gets JSON.
    serde_json::to_string(value).unwrap_or_else(|e| {
        json!({ "error": format!("cannot encode the answer: {e}") }).to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn bad_settings_are_a_located_problem() {
        let error = session("{\"nativeSidecars\": 3}").err().unwrap();
        assert_eq!(parse(&error)["editor"], "settings");
        let error = session("{\"config\": \"spec: {{ end }}\"}").err().unwrap();
        let problem = parse(&error);
        assert_eq!(problem["editor"], "config");
        assert_eq!(problem["line"], 1);
    }

    #[test]
    fn answers_are_json() {
        let session = session("{}").unwrap();
        let input = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: a}]\n";
        let ns = r#"{"name": "demo", "labels": "istio-injection=enabled"}"#;
        assert_eq!(
            parse(&explain(&session, input, ns))["decisions"][0]["inject"],
            true
        );
        assert_eq!(
            parse(&admission(&session, input, ns))["answer"]["verdict"],
            "mutate"
        );
        assert!(parse(&explain(&session, input, "3"))["error"].is_string());
    }
}
