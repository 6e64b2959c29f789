//! The wasm-bindgen surface the page's worker calls. Thin on purpose: every function hands
//! JSON text to [`crate::api`] and back.

use wasm_bindgen::prelude::*;

use crate::api;
use crate::session::Session;
use crate::stream::Stream;

/// One configuration of the page, and the workload file being injected with it.
#[wasm_bindgen]
pub struct Playground {
    session: Session,
    stream: Option<Stream>,
    /// The last injected YAML, handed over as a string of its own: as a JSON field it would
    /// be escaped and parsed again, which for the 10,000-Deployment file costs seconds.
    output: Option<String>,
}

#[wasm_bindgen]
impl Playground {
    /// Builds the injectors for the settings JSON; throws a located problem's JSON.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: &str) -> Result<Playground, JsValue> {
        let session = api::session(settings).map_err(|e| JsValue::from_str(&e))?;
        Ok(Playground {
            session,
            stream: None,
            output: None,
        })
    }

    /// Starts injecting `input`; returns how many documents it has.
    pub fn begin(&mut self, input: String) -> usize {
        let stream = Stream::new(input);
        let total = stream.total();
        self.stream = Some(stream);
        total
    }

    /// Injects up to `budget` more documents; returns how many are done.
    pub fn step(&mut self, budget: usize) -> usize {
        match &mut self.stream {
            Some(stream) => {
                stream.step(&self.session, budget);
                stream.done()
            }
            None => 0,
        }
    }

    /// Whether the file is done (or failed).
    pub fn finished(&self) -> bool {
        self.stream.as_ref().is_none_or(Stream::finished)
    }

    /// The outcome's JSON, its `output` left out for [`Playground::take_output`]; the file
    /// is forgotten.
    pub fn finish(&mut self) -> String {
        let stream = self
            .stream
            .take()
            .unwrap_or_else(|| Stream::new(String::new()));
        let mut outcome = stream.finish(&self.session);
        self.output = outcome.output.take();
        api::to_json(&outcome)
    }

    /// The injected YAML of the last [`Playground::finish`] (`undefined` when it failed).
    pub fn take_output(&mut self) -> Option<String> {
        self.output.take()
    }

    /// The cluster decision for the file's pods, as JSON.
    pub fn explain(&self, input: &str, namespace: &str) -> String {
        api::explain(&self.session, input, namespace)
    }

    /// The policy's answer for the file's first pod, as JSON.
    pub fn admission(&self, input: &str, namespace: &str) -> String {
        api::admission(&self.session, input, namespace)
    }
}

/// A unified diff of the workload against the injected output (`undefined` when too large).
#[wasm_bindgen]
pub fn diff(before: &str, after: &str) -> Option<String> {
    crate::diff::unified(before, after)
}
