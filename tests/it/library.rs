//! The library as a Rust service uses it: a key issued through the
//! library's operation (as the crate documentation shows) is a key like any
//! other, and `keyadm audit verify` finds the store it made intact.

use crate::common;

use common::Env;
use keyadm::domain::key_spec::KeySpec;
use keyadm::identity::OsAccount;
use keyadm::ops::{keys, settings, Identity, Open, Session, StoreLocation};
use keyadm::{Clock, KeyType, MasterKeySource};

#[test]
fn a_key_issued_through_the_library_is_audited_and_verifies() {
    let env = Env::new();
    let at = StoreLocation {
        path: env.db(),
        pg: None,
        master: MasterKeySource::File(env.master()),
        trust_dir: None,
    };
    let me = Identity::new(Some("reports-service".into()), OsAccount::current());
    let mut session = Session::open(&at, Open::Write, me, Clock::system()).unwrap();
    settings::set(
        &mut session,
        &settings::NewSetting::parse("scoped-api", "on").unwrap(),
    )
    .unwrap();
    let mut spec = KeySpec::new("reports", KeyType::Custom);
    spec.rules = vec!["GET /api/v1/reports/*".parse().unwrap()];
    let (key, value) = keys::generate_key(&mut session, spec).unwrap();
    drop(session);
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
    let entries = env.ok(&["audit", "--json"]);
    assert!(entries.contains("\"generate\""), "{entries}");
    assert!(entries.contains("reports-service"), "{entries}");
    let r = env.run_stdin(
        &["verify", "--method", "GET", "--url", "/api/v1/reports/1"],
        value.expose(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.show("reports")["id"], key.id.as_str());
}
