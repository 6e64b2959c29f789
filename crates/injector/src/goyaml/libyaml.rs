//! A safe, event-level wrapper around `unsafe-libyaml` (libyaml transpiled to Rust).
//!
//! go-yaml v2, which `sigs.k8s.io/yaml` uses to read template output and to write `toYaml`
//! text, is itself a line-by-line port of libyaml: driving the same state machines gives the
//! same acceptance, the same scalar styles and the same error texts. This is the only module
//! of the renderer with `unsafe` code; everything it hands out is owned Rust data.

use std::ffi::{CStr, c_char, c_void};
use std::mem::MaybeUninit;
use std::ptr::{self, addr_of_mut};

use unsafe_libyaml as unsafe_sys;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// Where an event starts in the input (0-based, as libyaml counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Mark {
    pub line: u64,
    pub column: u64,
}

/// A parsing event with owned data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias {
        anchor: String,
    },
    Scalar {
        anchor: Option<String>,
        tag: Option<String>,
        value: String,
        style: ScalarStyle,
        /// No tag and plain style: the value's type is resolved from its text.
        plain_implicit: bool,
    },
    SequenceStart {
        anchor: Option<String>,
        tag: Option<String>,
    },
    SequenceEnd,
    MappingStart {
        anchor: Option<String>,
        tag: Option<String>,
    },
    MappingEnd,
}

/// A syntax error, worded as go-yaml v2 words it (`yaml: line N: problem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// The line go-yaml reports (see [`EventParser::next`]); 0 when it reports none.
    pub line: u64,
    pub problem: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "yaml: {}", self.problem)
        } else {
            write!(f, "yaml: line {}: {}", self.line, self.problem)
        }
    }
}

/// Pull parser over a UTF-8 input.
pub(crate) struct EventParser<'a> {
    /// Heap-allocated so that libyaml's self-references stay valid; freed in `Drop`.
    sys: *mut unsafe_sys::yaml_parser_t,
    /// Set once libyaml reported an error: its state is then not to be driven further.
    failed: bool,
    _input: std::marker::PhantomData<&'a [u8]>,
}

impl<'a> EventParser<'a> {
    /// A parser over `input`, or `None` if libyaml cannot allocate its buffers.
    pub fn new(input: &'a str) -> Option<EventParser<'a>> {
        let raw = Box::into_raw(Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit()))
            .cast::<unsafe_sys::yaml_parser_t>();
        // SAFETY: `raw` points to writable memory sized for a parser; initialisation fills it
        // (on failure libyaml frees what it allocated and we only free the box). The input
        // outlives the parser through the `'a` marker.
        unsafe {
            if unsafe_sys::yaml_parser_initialize(raw).fail {
                drop(Box::from_raw(
                    raw.cast::<MaybeUninit<unsafe_sys::yaml_parser_t>>(),
                ));
                return None;
            }
            unsafe_sys::yaml_parser_set_encoding(raw, unsafe_sys::YAML_UTF8_ENCODING);
            unsafe_sys::yaml_parser_set_input_string(raw, input.as_ptr(), input.len() as u64);
        }
        Some(EventParser {
            sys: raw,
            failed: false,
            _input: std::marker::PhantomData,
        })
    }

    /// The next event. go-yaml v2 reports the line of a scanner error 1-based and the line
    /// of a parser error as libyaml's 0-based mark (so one line early); both quirks are kept
    /// so that messages match Istio's.
    pub fn next(&mut self) -> Result<(Event, Mark), SyntaxError> {
        if self.failed {
            return Err(self.error());
        }
        let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser is initialised; on success the event is initialised and deleted
        // after its data has been copied out.
        unsafe {
            if unsafe_sys::yaml_parser_parse(self.sys, event.as_mut_ptr()).fail {
                self.failed = true;
                return Err(self.error());
            }
            let event = event.as_mut_ptr();
            let converted = convert(&*event);
            let mark = Mark {
                line: (*event).start_mark.line,
                column: (*event).start_mark.column,
            };
            unsafe_sys::yaml_event_delete(event);
            Ok((converted, mark))
        }
    }

    fn error(&self) -> SyntaxError {
        // SAFETY: the parser is initialised; `problem`/`context` are null or static C strings.
        unsafe {
            let p = &*self.sys;
            let problem = c_text(p.problem)
                .unwrap_or_else(|| "unknown problem parsing YAML content".to_string());
            let line = if p.problem_mark.line != 0 {
                if p.error == unsafe_sys::YAML_SCANNER_ERROR {
                    p.problem_mark.line + 1
                } else {
                    p.problem_mark.line
                }
            } else {
                p.context_mark.line
            };
            SyntaxError { line, problem }
        }
    }
}

impl Drop for EventParser<'_> {
    fn drop(&mut self) {
        // SAFETY: `sys` was initialised in `new` and is freed exactly once here.
        unsafe {
            unsafe_sys::yaml_parser_delete(self.sys);
            drop(Box::from_raw(
                self.sys.cast::<MaybeUninit<unsafe_sys::yaml_parser_t>>(),
            ));
        }
    }
}

unsafe fn c_text(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: libyaml's strings are NUL-terminated.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

unsafe fn c_bytes(p: *const u8) -> Option<String> {
    // SAFETY: as `c_text`.
    unsafe { c_text(p.cast::<c_char>()) }
}

/// Copies an event's data out of libyaml's memory.
unsafe fn convert(e: &unsafe_sys::yaml_event_t) -> Event {
    // SAFETY: the union member read matches the event type.
    unsafe {
        match e.type_ {
            unsafe_sys::YAML_STREAM_START_EVENT => Event::StreamStart,
            unsafe_sys::YAML_DOCUMENT_START_EVENT => Event::DocumentStart,
            unsafe_sys::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
            unsafe_sys::YAML_ALIAS_EVENT => Event::Alias {
                anchor: c_bytes(e.data.alias.anchor).unwrap_or_default(),
            },
            unsafe_sys::YAML_SCALAR_EVENT => {
                let s = e.data.scalar;
                let bytes: &[u8] = if s.value.is_null() {
                    &[]
                } else {
                    std::slice::from_raw_parts(s.value, s.length as usize)
                };
                Event::Scalar {
                    anchor: c_bytes(s.anchor),
                    tag: c_bytes(s.tag),
                    value: String::from_utf8_lossy(bytes).into_owned(),
                    style: match s.style {
                        unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE => ScalarStyle::SingleQuoted,
                        unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => ScalarStyle::DoubleQuoted,
                        unsafe_sys::YAML_LITERAL_SCALAR_STYLE => ScalarStyle::Literal,
                        unsafe_sys::YAML_FOLDED_SCALAR_STYLE => ScalarStyle::Folded,
                        _ => ScalarStyle::Plain,
                    },
                    plain_implicit: s.plain_implicit,
                }
            }
            unsafe_sys::YAML_SEQUENCE_START_EVENT => Event::SequenceStart {
                anchor: c_bytes(e.data.sequence_start.anchor),
                tag: c_bytes(e.data.sequence_start.tag),
            },
            unsafe_sys::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
            unsafe_sys::YAML_MAPPING_START_EVENT => Event::MappingStart {
                anchor: c_bytes(e.data.mapping_start.anchor),
                tag: c_bytes(e.data.mapping_start.tag),
            },
            unsafe_sys::YAML_MAPPING_END_EVENT => Event::MappingEnd,
            // STREAM_END and the (never returned) NO_EVENT.
            _ => Event::StreamEnd,
        }
    }
}

/// What to emit. Collections are always block style unless empty (libyaml then writes
/// `{}` / `[]`), as go-yaml v2 asks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Emit<'a> {
    Scalar { value: &'a str, style: ScalarStyle },
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
}

struct EmitterState {
    sys: MaybeUninit<unsafe_sys::yaml_emitter_t>,
    out: Vec<u8>,
}

/// Writes one YAML document as go-yaml v2's encoder does: UTF-8, unicode unescaped, best
/// width 80, indent 2, implicit document markers.
pub(crate) struct EventEmitter {
    state: *mut EmitterState,
}

impl EventEmitter {
    pub fn new() -> Result<EventEmitter, String> {
        let state = Box::into_raw(Box::new(EmitterState {
            sys: MaybeUninit::uninit(),
            out: Vec::new(),
        }));
        // SAFETY: `state` is a live allocation; the emitter is initialised in place and its
        // output handler gets the same raw pointer, so no Rust reference aliases it.
        unsafe {
            let emitter = addr_of_mut!((*state).sys).cast::<unsafe_sys::yaml_emitter_t>();
            if unsafe_sys::yaml_emitter_initialize(emitter).fail {
                drop(Box::from_raw(state));
                return Err("cannot allocate a YAML emitter".into());
            }
            unsafe_sys::yaml_emitter_set_unicode(emitter, true);
            unsafe_sys::yaml_emitter_set_output(emitter, write_handler, state.cast::<c_void>());
        }
        let mut emitter = EventEmitter { state };
        emitter.raw(RawEvent::StreamStart)?;
        emitter.raw(RawEvent::DocumentStart)?;
        Ok(emitter)
    }

    pub fn emit(&mut self, event: Emit<'_>) -> Result<(), String> {
        self.raw(RawEvent::User(event))
    }

    /// Ends the document and returns the text.
    pub fn finish(mut self) -> Result<String, String> {
        self.raw(RawEvent::DocumentEnd)?;
        self.raw(RawEvent::StreamEnd)?;
        // SAFETY: the state is live until `Drop`.
        let out = unsafe { std::mem::take(&mut (*self.state).out) };
        String::from_utf8(out).map_err(|e| format!("emitter wrote invalid UTF-8: {e}"))
    }

    fn raw(&mut self, event: RawEvent<'_>) -> Result<(), String> {
        let mut ev = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        let ev = ev.as_mut_ptr();
        // SAFETY: the emitter is initialised; each initializer copies its string arguments,
        // and `yaml_emitter_emit` takes ownership of the initialised event.
        unsafe {
            let emitter = addr_of_mut!((*self.state).sys).cast::<unsafe_sys::yaml_emitter_t>();
            let ok = match event {
                RawEvent::StreamStart => unsafe_sys::yaml_stream_start_event_initialize(
                    ev,
                    unsafe_sys::YAML_UTF8_ENCODING,
                ),
                RawEvent::DocumentStart => unsafe_sys::yaml_document_start_event_initialize(
                    ev,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    true,
                ),
                RawEvent::DocumentEnd => unsafe_sys::yaml_document_end_event_initialize(ev, true),
                RawEvent::StreamEnd => unsafe_sys::yaml_stream_end_event_initialize(ev),
                RawEvent::User(Emit::Scalar { value, style }) => {
                    let Ok(length) = i32::try_from(value.len()) else {
                        return Err("string too long for YAML".into());
                    };
                    let style = match style {
                        ScalarStyle::Plain => unsafe_sys::YAML_PLAIN_SCALAR_STYLE,
                        ScalarStyle::SingleQuoted => unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE,
                        ScalarStyle::DoubleQuoted => unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE,
                        ScalarStyle::Literal => unsafe_sys::YAML_LITERAL_SCALAR_STYLE,
                        ScalarStyle::Folded => unsafe_sys::YAML_FOLDED_SCALAR_STYLE,
                    };
                    unsafe_sys::yaml_scalar_event_initialize(
                        ev,
                        ptr::null(),
                        ptr::null(),
                        value.as_ptr(),
                        length,
                        true,
                        true,
                        style,
                    )
                }
                RawEvent::User(Emit::SequenceStart) => {
                    unsafe_sys::yaml_sequence_start_event_initialize(
                        ev,
                        ptr::null(),
                        ptr::null(),
                        true,
                        unsafe_sys::YAML_BLOCK_SEQUENCE_STYLE,
                    )
                }
                RawEvent::User(Emit::SequenceEnd) => {
                    unsafe_sys::yaml_sequence_end_event_initialize(ev)
                }
                RawEvent::User(Emit::MappingStart) => {
                    unsafe_sys::yaml_mapping_start_event_initialize(
                        ev,
                        ptr::null(),
                        ptr::null(),
                        true,
                        unsafe_sys::YAML_BLOCK_MAPPING_STYLE,
                    )
                }
                RawEvent::User(Emit::MappingEnd) => {
                    unsafe_sys::yaml_mapping_end_event_initialize(ev)
                }
            };
            if ok.fail {
                return Err("invalid YAML event (the text is not valid UTF-8?)".into());
            }
            if unsafe_sys::yaml_emitter_emit(emitter, ev).fail {
                let problem = c_text((&*emitter).problem)
                    .unwrap_or_else(|| "the YAML emitter failed".to_string());
                return Err(problem);
            }
        }
        Ok(())
    }
}

enum RawEvent<'a> {
    StreamStart,
    DocumentStart,
    DocumentEnd,
    StreamEnd,
    User(Emit<'a>),
}

impl Drop for EventEmitter {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, freed exactly once here.
        unsafe {
            unsafe_sys::yaml_emitter_delete(
                addr_of_mut!((*self.state).sys).cast::<unsafe_sys::yaml_emitter_t>(),
            );
            drop(Box::from_raw(self.state));
        }
    }
}

/// libyaml's output callback: appends to the state's buffer.
unsafe fn write_handler(data: *mut c_void, buffer: *mut u8, size: u64) -> i32 {
    // SAFETY: `data` is the `EmitterState` pointer registered in `new`; libyaml hands a valid
    // buffer of `size` bytes.
    unsafe {
        let state = data.cast::<EmitterState>();
        let bytes = std::slice::from_raw_parts(buffer, size as usize);
        (*state).out.extend_from_slice(bytes);
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Result<Vec<Event>, SyntaxError> {
        let mut parser = EventParser::new(text).expect("parser");
        let mut out = Vec::new();
        loop {
            let (event, _) = parser.next()?;
            let end = event == Event::StreamEnd;
            out.push(event);
            if end {
                return Ok(out);
            }
        }
    }

    #[test]
    fn scalar_styles_and_implicitness() {
        let evs = events("a: 'x'\nb: \"y\"\nc: z\nd: !!str 1\ne: |\n  l\n").unwrap();
        let scalars: Vec<(String, ScalarStyle, bool)> = evs
            .into_iter()
            .filter_map(|e| match e {
                Event::Scalar {
                    value,
                    style,
                    plain_implicit,
                    ..
                } => Some((value, style, plain_implicit)),
                _ => None,
            })
            .collect();
        assert_eq!(
            scalars[1],
            ("x".to_string(), ScalarStyle::SingleQuoted, false)
        );
        assert_eq!(
            scalars[3],
            ("y".to_string(), ScalarStyle::DoubleQuoted, false)
        );
        assert_eq!(scalars[5], ("z".to_string(), ScalarStyle::Plain, true));
        assert_eq!(scalars[7], ("1".to_string(), ScalarStyle::Plain, false));
        assert_eq!(scalars[9], ("l\n".to_string(), ScalarStyle::Literal, false));
    }

    #[test]
    fn errors_are_worded_like_go_yaml() {
        // A scanner error: the 1-based line of the problem.
        let err = events("a: b\nc: \"unterminated\n").unwrap_err();
        assert_eq!(err.problem, "found unexpected end of stream");
        let err = events("a: b\n  c: d\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "yaml: line 2: mapping values are not allowed in this context"
        );
        // A parser error: go-yaml prints libyaml's 0-based mark line (the problem is on the
        // third line).
        let err = events("a:\n  b: c\n d: e\n").unwrap_err();
        assert_eq!(err.to_string(), "yaml: line 2: did not find expected key");
    }

    #[test]
    fn emitter_writes_go_yaml_layout() {
        let mut e = EventEmitter::new().unwrap();
        e.emit(Emit::MappingStart).unwrap();
        e.emit(Emit::Scalar {
            value: "containers",
            style: ScalarStyle::Plain,
        })
        .unwrap();
        e.emit(Emit::SequenceStart).unwrap();
        e.emit(Emit::Scalar {
            value: "a",
            style: ScalarStyle::Plain,
        })
        .unwrap();
        e.emit(Emit::SequenceEnd).unwrap();
        e.emit(Emit::Scalar {
            value: "empty",
            style: ScalarStyle::Plain,
        })
        .unwrap();
        e.emit(Emit::MappingStart).unwrap();
        e.emit(Emit::MappingEnd).unwrap();
        e.emit(Emit::MappingEnd).unwrap();
        assert_eq!(e.finish().unwrap(), "containers:\n- a\nempty: {}\n");
    }
}
