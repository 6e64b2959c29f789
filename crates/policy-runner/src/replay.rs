//! A guest that does no work: it takes the request payload and answers bytes fixed when it was
//! built. Built from a policy's own answer to a request, it costs the policy server what that
//! policy's answer costs (reading it, diffing the mutation, encoding the patch) and nothing for
//! computing it, so the bench can show the floor any policy returning that answer stands on.

/// Where the payload goes: past the answer, on a fresh page, after room for the operation name.
const OPERATION_ROOM: usize = 256;

/// WebAssembly text of a waPC guest whose every call reads the payload and answers `answer`.
pub fn replay_guest(answer: &[u8]) -> Vec<u8> {
    let operation_at = answer.len().next_multiple_of(65_536);
    let payload_at = operation_at + OPERATION_ROOM;
    let pages = payload_at / 65_536 + 1;
    let mut escaped = String::with_capacity(answer.len() * 3);
    for byte in answer {
        escaped.push_str(&format!("\\{byte:02x}"));
    }
    format!(
        r#"(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (memory (export "memory") {pages})
  (data (i32.const 0) "{escaped}")
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
    (call $guest_response (i32.const 0) (i32.const {answer_len}))
    (i32.const 1)))"#,
        answer_len = answer.len(),
    )
    .into_bytes()
}
