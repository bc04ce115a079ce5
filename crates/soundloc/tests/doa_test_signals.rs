//! The shared DOA test signals delay each channel as the array convention says.

mod common;
use soundloc::array::{Direction, MicArray};
#[test]
fn common_helpers_delay_as_the_convention_says() {
    let array = MicArray::uniform_linear(2, 0.343).unwrap();
    let s = common::far_field_noise(&array, &Direction::horizontal(0.0), 1000.0, 343.0, 400, 1);
    // Source on +x: mic 1 (at +x) hears 1 sample earlier than mic 0.
    let (a, b) = (s.row(0), s.row(1));
    let err: f64 = (0..300)
        .map(|n| (a[n + 1] - b[n]).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-9, "{err}");
}
