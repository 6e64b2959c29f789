//! A guest that does no work: it takes the request payload and answers bytes fixed when it was
//! built. Built from a policy's own answer to a request, it costs the policy server what that
//! policy's answer costs (reading it, diffing the mutation, encoding the patch) and nothing for
//! computing it, so the benches can show the floor any policy returning that answer stands on.
//! It is a whole Kubewarden waPC policy: `protocol_version` answers `"v1"` and
//! `validate_settings` accepts any settings, so `kwctl annotate` and the real policy-server
//! take it too.

/// Where the payload goes: past the answers, on a fresh page, after room for the operation name.
const OPERATION_ROOM: usize = 256;

const PROTOCOL: &[u8] = br#""v1""#;
const SETTINGS_VALID: &[u8] = br#"{"valid":true,"message":null}"#;

/// WebAssembly text of a waPC guest whose `validate` reads the payload and answers `answer`.
pub fn replay_guest(answer: &[u8]) -> Vec<u8> {
    let protocol_at = answer.len();
    let settings_at = protocol_at + PROTOCOL.len();
    let operation_at = (settings_at + SETTINGS_VALID.len()).next_multiple_of(65_536);
    let payload_at = operation_at + OPERATION_ROOM;
    let pages = payload_at / 65_536 + 1;
    let data = [
        data_segment(0, answer),
        data_segment(protocol_at, PROTOCOL),
        data_segment(settings_at, SETTINGS_VALID),
    ]
    .join("\n  ");
    // waPC operations by name length: validate (8), protocol_version (16), validate_settings
    // (17); any other is refused.
    format!(
        r#"(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (memory (export "memory") {pages})
  {data}
  (func (export "wapc_init"))
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (local $short i32)
    (if (i32.gt_u (local.get $op_len) (i32.const {OPERATION_ROOM})) (then (return (i32.const 0))))
    ;; pages still missing for the payload
    (local.set $short
      (i32.sub
        (i32.shr_u (i32.add (i32.add (i32.const {payload_at}) (local.get $len)) (i32.const 65535))
                   (i32.const 16))
        (memory.size)))
    (if (i32.gt_s (local.get $short) (i32.const 0))
      (then (if (i32.lt_s (memory.grow (local.get $short)) (i32.const 0))
        (then (return (i32.const 0))))))
    (call $guest_request (i32.const {operation_at}) (i32.const {payload_at}))
    (if (i32.eq (local.get $op_len) (i32.const 8))
      (then (call $guest_response (i32.const 0) (i32.const {answer_len})) (return (i32.const 1))))
    (if (i32.eq (local.get $op_len) (i32.const 16))
      (then (call $guest_response (i32.const {protocol_at}) (i32.const {protocol_len}))
            (return (i32.const 1))))
    (if (i32.eq (local.get $op_len) (i32.const 17))
      (then (call $guest_response (i32.const {settings_at}) (i32.const {settings_len}))
            (return (i32.const 1))))
    (i32.const 0)))"#,
        answer_len = answer.len(),
        protocol_len = PROTOCOL.len(),
        settings_len = SETTINGS_VALID.len(),
    )
    .into_bytes()
}

/// WebAssembly text of a data segment that puts `bytes` at `offset`, every byte escaped.
pub fn data_segment(offset: usize, bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(bytes.len() * 3 + 32);
    let _ = write!(text, "(data (i32.const {offset}) \"");
    for byte in bytes {
        let _ = write!(text, "\\{byte:02x}");
    }
    text.push_str("\")");
    text
}
