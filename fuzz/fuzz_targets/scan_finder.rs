//! Any bytes as a line for the scanner's text finder: it never panics, and
//! fed in pieces cut anywhere (the first two bytes choose two cuts) it
//! finds exactly what it finds in the whole line, each value once.
#![no_main]
use keyadm::scan::{find_in_line, TextFinder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (cuts, line) = match data {
        [a, b, rest @ ..] => ([*a as usize, *a as usize + *b as usize], rest),
        _ => return,
    };
    let whole: Vec<String> = find_in_line(line).into_iter().map(str::to_string).collect();
    let mut finder = TextFinder::default();
    let mut pieces = Vec::new();
    let mut at = 0;
    for cut in cuts.iter().map(|c| (*c).min(line.len())).chain([line.len()]) {
        let end = cut.max(at);
        finder
            .feed(&line[at..end], end == line.len(), |v| {
                pieces.push(v.to_string());
                Ok::<(), ()>(())
            })
            .unwrap();
        at = end;
        if end == line.len() {
            break;
        }
    }
    assert_eq!(pieces, whole);
});
