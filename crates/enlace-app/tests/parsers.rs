//! Parsers of outside input never panic, whatever they are given: FollowTheMoney lines
//! (through the real import), names, phone numbers, dates, document and plate numbers,
//! search queries and check subjects (through the real search and matcher), CSV, plan
//! documents and country lists. Property-based: `PROPTEST_CASES` sets the number of cases
//! (proptest's default, 256, in the test command; e.g. 100000 by hand, see
//! docs/BENCHMARKS.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use enlace_app::checks::CheckInput;
use enlace_app::{App, AppConfig, AppError, Ctx, Origin};
use enlace_domain::{Actor, Clock, Country, Role, SystemClock};
use enlace_match::{IdKind, Identifier, PersonRecord};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use std::sync::Arc;

fn config() -> Config {
    // Config::default() reads PROPTEST_CASES; no failure files in the source tree.
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text that looks like what people type, and text that does not: letters with accents,
/// digits, separators, odd Unicode (combining marks, right-to-left, emoji, NUL).
fn messy() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        "[A-Za-zÁÉÍÓÚÑáéíóúñüÜ' .,-]{0,60}",
        "[0-9 +()./-]{0,40}",
        "[\\x00-\\x7f]{0,60}",
        proptest::collection::vec(
            prop_oneof![
                Just("\u{0301}"),
                Just("\u{200f}"),
                Just("\u{fffd}"),
                Just("ß"),
                Just("İ"),
                Just("😀"),
                Just("\0"),
                Just("  "),
                Just("de la"),
                Just("Mc"),
                Just("-"),
                Just("+502"),
                Just("0000"),
                Just("ﬁ"),
                Just("Ⅻ"),
                Just("٣"),
                Just("1981-04-09"),
                Just("2026-02-30"),
                Just("99999999999999999999"),
            ],
            0..12
        )
        .prop_map(|v| v.concat()),
    ]
}

const KINDS: [IdKind; 8] = [
    IdKind::Phone,
    IdKind::Email,
    IdKind::IdNumber,
    IdKind::Passport,
    IdKind::Plate,
    IdKind::VesselRegistration,
    IdKind::VesselName,
    IdKind::Account,
];

fn country_code() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("gt".to_string())),
        Just(Some("mx".to_string())),
        "[a-z]{0,3}".prop_map(Some),
        ".{0,4}".prop_map(Some),
    ]
}

#[test]
fn names_phones_dates_and_identifiers_never_panic() {
    let mut runner = TestRunner::new(config());
    runner
        .run(
            &(messy(), messy(), country_code(), 0usize..8),
            |(a, b, cc, k)| {
                let cc = cc.as_deref();
                // Names.
                let _ = enlace_match::text::fold(&a);
                let _ = enlace_match::text::words(&a);
                let _ = enlace_match::text::jaro_winkler(&a, &b);
                let _ = enlace_match::text::osa_distance(&a, &b, 3);
                let k1 = enlace_match::phonetic::key(&a);
                let _ = enlace_match::phonetic::skeleton(&k1);
                let _ = enlace_match::names::are_variants(&a, &b);
                let _ = enlace_domain::text::fold(&a);
                let _ = enlace_domain::text::words(&a);
                let _ = enlace_domain::text::compact(&a);
                // Phones, documents, plates, vessels, accounts, e-mails.
                let _ = enlace_match::normalize_phone(&a, cc);
                let _ = enlace_match::normalize_email(&a);
                let _ = enlace_match::normalize_document(&a);
                let _ = enlace_match::normalize_plate(&a);
                let _ = enlace_match::normalize_vessel_registration(&a);
                let _ = enlace_match::normalize_vessel_name(&a);
                let _ = enlace_match::normalize_account(&a);
                let _ = Identifier::new(KINDS[k], &a, cc);
                // Dates.
                if let (Some(x), Some(y)) = (
                    enlace_match::dob::Dob::parse(&a),
                    enlace_match::dob::Dob::parse(&b),
                ) {
                    let _ = enlace_match::dob::compare(&x, &y);
                }
                let _ = enlace_match::dob::Dob::parse(&b);
                let _ = enlace_app::meetings::parse_date(&a);
                let _ = enlace_app::visas::parse_date(&a);
                let _ = enlace_app::legislation::parse_countries(&a);
                // A whole person, compared both ways.
                let p = PersonRecord::with_name(&a)
                    .birth_date(&b)
                    .nationality(cc.unwrap_or(""))
                    .identifier(KINDS[k], &b, cc);
                let q = PersonRecord::with_name(&b).birth_date(&a);
                let _ = enlace_match::compare(&p, &q);
                let _ = enlace_match::compare(&q, &p);
                Ok(())
            },
        )
        .unwrap();
}

/// FollowTheMoney-shaped JSON with messy values, schemas and property names.
fn ftm_value() -> impl Strategy<Value = Value> {
    let schema = prop_oneof![
        Just("Person"),
        Just("Organization"),
        Just("Membership"),
        Just("Vehicle"),
        Just("Vessel"),
        Just("Phone"),
        Just("Passport"),
        Just("BankAccount"),
        Just("Address"),
        Just("Route"),
        Just("Event"),
        Just("UserAccount"),
        Just("Spaceship"),
        Just(""),
    ];
    let prop = prop_oneof![
        Just("name"),
        Just("firstName"),
        Just("lastName"),
        Just("birthDate"),
        Just("phone"),
        Just("number"),
        Just("passportNumber"),
        Just("idNumber"),
        Just("registrationNumber"),
        Just("email"),
        Just("nationality"),
        Just("country"),
        Just("member"),
        Just("organization"),
        Just("notes"),
        Just("gender"),
        Just("imoNumber"),
        Just("iban"),
        Just("x"),
    ];
    let value = prop_oneof![
        messy().prop_map(Value::String),
        any::<i64>().prop_map(|n| json!(n)),
        Just(Value::Null),
        Just(json!({"a": 1})),
        Just(json!(true)),
    ];
    (
        schema,
        proptest::collection::vec((prop, proptest::collection::vec(value, 0..3)), 0..6),
        prop_oneof![
            messy().prop_map(Value::String),
            Just(json!(7)),
            Just(Value::Null)
        ],
    )
        .prop_map(|(schema, props, id)| {
            let mut p = serde_json::Map::new();
            for (k, vs) in props {
                p.insert(k.to_string(), Value::Array(vs));
            }
            json!({"id": id, "schema": schema, "properties": p})
        })
}

#[test]
fn ftm_properties_and_person_records_never_panic() {
    let mut runner = TestRunner::new(config());
    runner
        .run(&(ftm_value(), country_code()), |(v, cc)| {
            let schema = v["schema"].as_str().unwrap_or("");
            let _ = enlace_domain::ftm::validate_properties(schema, &v["properties"]);
            let _ = enlace_domain::ftm::validate_properties("Person", &v);
            if let Some(p) = PersonRecord::from_ftm_with_country(&v, cc.as_deref()) {
                let mut idx = enlace_match::Index::new();
                idx.insert("a".into(), &p);
                let _ = idx.hits(&p, 0.0, 10);
                idx.remove("a");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn csv_and_plan_documents_never_panic() {
    let row = proptest::collection::vec(
        prop_oneof![
            messy(),
            Just("\"".to_string()),
            Just(",".to_string()),
            Just("\r\n".to_string())
        ],
        0..10,
    )
    .prop_map(|v| v.join(","));
    let body = (
        prop_oneof![
            Just(
                "destination,nationality,regime,max_stay_days,source,source_url,effective,notes"
                    .to_string()
            ),
            Just("\u{feff}Destination,Nationality,Regime".to_string()),
            messy(),
        ],
        proptest::collection::vec(row, 0..6),
    )
        .prop_map(|(h, rows)| format!("{h}\n{}", rows.join("\n")));
    let mut runner = TestRunner::new(config());
    runner
        .run(&(body, messy()), |(csv, junk)| {
            let _ = enlace_app::visas::parse_csv(&csv);
            let _ = enlace_app::visas::parse_csv(&junk);
            let _ = enlace_app::workplans::PlanDoc::parse(&junk);
            let _ = enlace_app::workplans::PlanDoc::parse(&csv);
            Ok(())
        })
        .unwrap();
}

/// The real import, search and check paths, on a SQLite store: each may refuse the input
/// (4xx), never fail otherwise.
#[test]
fn imports_searches_and_checks_of_anything_never_fail_inside() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The store's connections are dropped at the end, inside the runtime.
    let _inside = rt.enter();
    let dir = tempfile::tempdir().unwrap();
    let (app, ctx, case) = rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("enlace.db").display());
        let store = enlace_store::Store::open(&url, Some(dir.path()))
            .await
            .unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        // No hourly limit on checks: every case runs one.
        let config = AppConfig {
            checks_per_hour: i64::MAX,
            ..AppConfig::default()
        };
        let app = App::new(store, clock, config).await.unwrap();
        let ctx = Ctx {
            actor: Actor {
                user_id: "fuzz".into(),
                username: "fuzz.mx".into(),
                role: Role::Officer,
                country: Some(Country::parse("mx").unwrap()),
            },
            origin: Origin::default(),
        };
        let input = enlace_domain::case::CaseInput {
            title: "Caso de pruebas de entrada".into(),
            ..Default::default()
        };
        let case = app.create_case(&ctx, &input).await.unwrap();
        (app, ctx, case.id)
    });
    let refused = |e: &AppError| {
        matches!(
            e,
            AppError::Invalid(_)
                | AppError::NotFound
                | AppError::Conflict(_)
                | AppError::PurposeRequired
                | AppError::RateLimited { .. }
        )
    };
    let line = prop_oneof![
        ftm_value().prop_map(|v| v.to_string()),
        messy(),
        Just("{".to_string()),
        Just("[]".to_string()),
    ];
    let mut runner = TestRunner::new(config());
    runner
        .run(
            &(proptest::collection::vec(line, 0..5), messy(), ftm_value()),
            |(lines, q, subject)| {
                rt.block_on(async {
                    match app.import_lines(&ctx, &case, lines).await {
                        Ok(_) => {}
                        Err(e) => assert!(refused(&e), "import: {e:?}"),
                    }
                    match app
                        .search_entities(&ctx, &q, Default::default(), None, 20, 0)
                        .await
                    {
                        Ok(_) => {}
                        Err(e) => assert!(refused(&e), "search {q:?}: {e:?}"),
                    }
                    let input = CheckInput {
                        purpose: "pruebas".into(),
                        case_reference: "R-1".into(),
                        subject,
                    };
                    match app.run_check(&ctx, &input).await {
                        Ok(_) => {}
                        Err(e) => assert!(refused(&e), "check: {e:?}"),
                    }
                });
                Ok(())
            },
        )
        .unwrap();
}
