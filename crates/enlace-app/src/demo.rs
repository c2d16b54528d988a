//! Demo mode: fills an empty platform with clearly fictional accounts and case files for all
//! 11 countries, so a newcomer sees a living system at once.
use crate::{crypto, App, AppError, AppResult, Ctx, Origin};
use enlace_domain::case::{CaseInput, DistributionInput};
use enlace_domain::{Country, Role};
use enlace_store::users::NewUser;

pub const DEMO_PASSWORD: &str = "enlace-demo";

/// Demo account names, in the promised form `<role>.<cc>` plus `secretariat`.
pub fn demo_usernames() -> Vec<String> {
    let mut out = vec!["secretariat".to_string()];
    for c in Country::all() {
        for r in [
            Role::Officer,
            Role::Prosecutor,
            Role::Analyst,
            Role::Approver,
            Role::Admin,
        ] {
            out.push(format!("{}.{}", r.as_str(), c.code()));
        }
    }
    out
}

/// (title, summary, distribution level, named countries, handling, evaluation)
type DemoCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

/// Fictional case files: each country gets these, with its neighbours as named receivers.
const DEMO_CASES: &[DemoCase] = &[
    (
        "Red ficticia «Los Tucanes» — transporte en camiones de carga",
        "Caso de demostración con datos ficticios: traslado de migrantes ocultos en carga por la ruta del Pacífico.",
        "members",
        &[],
        "intelligence_only",
        "B2",
    ),
    (
        "Operación ficticia «Marea Alta» — salidas marítimas nocturnas",
        "Caso de demostración: embarcaciones sin bandera que salen de noche; compartido con países vecinos.",
        "countries",
        &["neighbours"],
        "no_court_without_consent",
        "C3",
    ),
    (
        "Expediente interno ficticio — documentos de viaje alterados",
        "Caso de demostración visible solo para el país propietario.",
        "country",
        &[],
        "no_onward_sharing",
        "A2",
    ),
];

fn neighbours(c: Country) -> Vec<&'static str> {
    match c.code() {
        "bz" => vec!["gt", "mx"],
        "ca" => vec!["us"],
        "cr" => vec!["ni", "pa"],
        "do" => vec!["us", "pa"],
        "sv" => vec!["gt", "hn"],
        "gt" => vec!["mx", "sv", "hn", "bz"],
        "hn" => vec!["gt", "sv", "ni"],
        "mx" => vec!["gt", "bz", "us"],
        "ni" => vec!["hn", "cr"],
        "pa" => vec!["cr"],
        "us" => vec!["mx", "ca"],
        _ => vec![],
    }
}

impl App {
    /// Seeds demo data if the platform has no users yet. Returns whether it seeded.
    pub async fn seed_demo(&self) -> AppResult<bool> {
        if self.store.count_users().await? > 0 {
            return Ok(false);
        }
        // One hash for all demo accounts keeps start-up fast; these accounts are public anyway.
        let hash = crypto::hash_password(DEMO_PASSWORD.to_string())
            .await
            .map_err(AppError::Internal)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut officers = Vec::new();
        for name in demo_usernames() {
            let (role, country) = match name.split_once('.') {
                Some((r, c)) => (Role::parse(r), Country::parse(c)),
                None => (Some(Role::Secretariat), None),
            };
            let role = role.ok_or(AppError::Internal("demo role".into()))?;
            let display = match country {
                Some(c) => format!("Demo {} {}", role.as_str(), c.code().to_uppercase()),
                None => "Demo Secretaría Técnica".to_string(),
            };
            let id = tx
                .insert_user(
                    &NewUser {
                        username: &name,
                        display_name: &display,
                        country,
                        role,
                        password_hash: &hash,
                        demo: true,
                    },
                    now,
                )
                .await?;
            if role == Role::Officer {
                officers.push((id, name, country));
            }
        }
        // One approved focal point per country (fictional), so hits point somewhere.
        for (i, c) in Country::all().enumerate() {
            let d = crate::directory::DirectoryData {
                name: format!(
                    "{} {} (ficticio)",
                    GIVEN[(i * 3) % GIVEN.len()],
                    SURNAMES[(i * 5) % SURNAMES.len()]
                ),
                position: "Fiscal de enlace contra el tráfico ilícito de migrantes".into(),
                institution: "prosecution".into(),
                axes: vec![1, 2],
                topics: "tráfico ilícito de migrantes; solicitudes de información".into(),
                phone: format!("+000 {:04} {:04}", 1000 + i, 2000 + i),
                email: format!("enlace.{}@example.org", c.code()),
                languages: vec!["en".into(), "es".into()],
                hours: "08:00-17:00".into(),
                available_24_7: i % 2 == 0,
            };
            let json = serde_json::to_string(&d).map_err(|e| AppError::Internal(e.to_string()))?;
            let id = tx
                .insert_directory_draft(c, &json, true, "demo", now)
                .await?;
            tx.approve_directory(&id, "demo", now).await?;
        }
        crate::portal::seed_demo(&mut tx, now).await?;
        self.seed_demo_visas(&mut tx, "demo", now).await?;
        self.seed_demo_documents(&mut tx, now).await?;
        let mut e = crate::anonymous_entry(&Origin::default(), "demo.seed", "ok");
        e.detail = Some("demo accounts created".into());
        tx.audit(now, e).await?;
        tx.commit().await?;
        self.seed_demo_legislation().await?;
        self.seed_demo_meetings().await?;
        self.seed_demo_statistics().await?;
        let mut seed = 0usize;
        for (id, username, country) in officers {
            let Some(country) = country else { continue };
            let ctx = Ctx {
                actor: enlace_domain::Actor {
                    user_id: id,
                    username,
                    role: Role::Officer,
                    country: Some(country),
                },
                origin: Origin::default(),
            };
            for (title, summary, level, named, handling, evaluation) in DEMO_CASES {
                let countries = if named.is_empty() {
                    vec![]
                } else {
                    neighbours(country).into_iter().map(String::from).collect()
                };
                let input = CaseInput {
                    title: format!("{title} ({})", country.code().to_uppercase()),
                    summary: summary.to_string(),
                    distribution: Some(DistributionInput {
                        level: level.to_string(),
                        countries,
                    }),
                    handling: Some(handling.to_string()),
                    evaluation: Some(evaluation.to_string()),
                    sensitive: false,
                };
                let case = self.create_case(&ctx, &input).await?;
                let lines = demo_network(country, seed);
                seed += 1;
                self.import_lines(&ctx, &case.id, lines).await?;
            }
        }
        self.seed_demo_workplans().await?;
        Ok(true)
    }
}

// Fictional name parts, combined by a fixed rule: no real person is meant. The benchmarks
// reuse them.
pub const GIVEN: &[&str] = &[
    "Aurelio",
    "Benigno",
    "Casilda",
    "Dionisio",
    "Eulalia",
    "Filiberto",
    "Genoveva",
    "Herminio",
    "Isidora",
    "Jacinto",
    "Leocadia",
    "Macario",
    "Nicanor",
    "Obdulia",
    "Pancracio",
    "Remedios",
    "Saturnino",
    "Tranquilina",
    "Ubaldo",
    "Virgilio",
];
pub const SURNAMES: &[&str] = &[
    "Alcántara",
    "Barahona",
    "Cifuentes",
    "Dueñas",
    "Escalante",
    "Fajardo",
    "Galdámez",
    "Hidalgo",
    "Iturbide",
    "Jáuregui",
    "Landaverde",
    "Maldonado",
    "Noguera",
    "Ochaeta",
    "Palencia",
    "Quintanilla",
    "Rivadeneira",
    "Sandoval",
    "Taracena",
    "Urrutia",
    "Villatoro",
];
const NICKNAMES: &[&str] = &[
    "El Flaco",
    "La Güera",
    "El Chato",
    "El Tigre",
    "La Jefa",
    "El Guía",
];

/// A small fictional network for a demo case: a coordinator, a guide and a driver, their
/// phones, a vehicle or boat, the organisation they belong to and their links, as
/// FollowTheMoney JSON Lines.
fn demo_network(country: Country, seed: usize) -> Vec<String> {
    let cc = country.code();
    let pick = |list: &[&'static str], k: usize| list[(seed * 7 + k * 13) % list.len()];
    // Well-formed numbers of each country's own plan (prefix and national length), so they
    // survive any phone-number parser; the subscriber digits are made up.
    let (prefix, lead, digits) = match cc {
        "bz" => ("+501", "62", 5),
        "ca" => ("+1", "4162", 6),
        "us" => ("+1", "3052", 6),
        "cr" => ("+506", "83", 6),
        "do" => ("+1", "8092", 6),
        "sv" => ("+503", "71", 6),
        "gt" => ("+502", "55", 6),
        "hn" => ("+504", "98", 6),
        "mx" => ("+52", "55", 8),
        "ni" => ("+505", "88", 6),
        _ => ("+507", "66", 6),
    };
    let mut out = vec![];
    let mut push = |v: serde_json::Value| out.push(v.to_string());
    push(
        serde_json::json!({"id": "org", "schema": "Organization", "properties": {
        "name": [format!("Estructura ficticia {}", pick(SURNAMES, 9))], "country": [cc]}}),
    );
    for (i, role) in ["coordinador", "guía", "transportista"].iter().enumerate() {
        let pid = format!("p{i}");
        let year = 1968 + (seed * 5 + i * 11) % 35;
        let month = 1 + (seed + i * 3) % 12;
        let day = 1 + (seed * 3 + i * 7) % 28;
        push(
            serde_json::json!({"id": pid, "schema": "Person", "properties": {
            "firstName": [pick(GIVEN, i)], "lastName": [pick(SURNAMES, i)], "secondName": [pick(SURNAMES, i + 5)],
            "alias": [pick(NICKNAMES, i)], "birthDate": [format!("{year:04}-{month:02}-{day:02}")],
            "nationality": [cc], "position": [role]}}),
        );
        push(
            serde_json::json!({"id": format!("tel{i}"), "schema": "UserAccount", "properties": {
            "phone": [format!(
                "{prefix} {lead}{:0width$}",
                (seed * 7919 + i * 104_729 + 1_234_567) % 10usize.pow(digits),
                width = digits as usize
            )],
            "service": ["WhatsApp"], "owner": [pid]}}),
        );
        push(
            serde_json::json!({"id": format!("m{i}"), "schema": "Membership", "properties": {
            "member": [pid], "organization": ["org"], "role": [role]}}),
        );
    }
    push(
        serde_json::json!({"id": "a01", "schema": "Associate", "properties": {
        "person": ["p0"], "associate": ["p1"], "relationship": ["recluta y paga a"]}}),
    );
    push(
        serde_json::json!({"id": "call", "schema": "Call", "properties": {
        "caller": ["tel0"], "receiver": ["tel1"], "date": [format!("2026-10-{:02}", 1 + seed % 28)], "duration": ["240"]}}),
    );
    if seed.is_multiple_of(2) {
        push(
            serde_json::json!({"id": "veh", "schema": "Vehicle", "properties": {
            "registrationNumber": [format!("{}-{:03}-{}", cc.to_uppercase(), (seed * 37) % 1000, pick(&["KLM", "TRX", "BPQ", "ZDF"], 1))],
            "type": ["camión"], "model": ["Freightliner Cascadia"], "owner": ["p2"]}}),
        );
    } else {
        push(
            serde_json::json!({"id": "boat", "schema": "Vessel", "properties": {
            "name": [format!("Lancha ficticia {}", pick(&["Marea", "Gaviota", "Esperanza", "Delfín"], 2))],
            "flag": [cc], "registrationNumber": [format!("{}-PES-{:04}", cc.to_uppercase(), seed * 17)], "owner": ["p2"]}}),
        );
    }
    if seed.is_multiple_of(3) {
        push_route(cc, &mut out);
    }
    out
}

/// (place, country, lat, lon) of a fictional corridor per country, following the region's
/// known corridors: the Darién, the Guatemala–Mexico border, the Caribbean crossings from the
/// Dominican Republic, flights with forged visas. Modes of the two legs and a modus operandi.
type Stop = (&'static str, &'static str, f64, f64);
#[allow(clippy::type_complexity)]
const CORRIDORS: &[(&str, Stop, Stop, Stop, &str, &str, &str)] = &[
    (
        "bz",
        ("Benque Viejo", "bz", 17.07, -89.14),
        ("Santa Elena", "bz", 18.48, -88.40),
        ("Chetumal", "mx", 18.50, -88.30),
        "land",
        "river",
        "stash_houses",
    ),
    (
        "ca",
        ("Montréal", "ca", 45.50, -73.57),
        ("Lacolle", "ca", 45.08, -73.37),
        ("Champlain", "us", 44.99, -73.45),
        "land",
        "land",
        "fake_job_offers",
    ),
    (
        "cr",
        ("San José", "cr", 9.93, -84.08),
        ("Los Chiles", "cr", 11.03, -84.71),
        ("San Carlos", "ni", 11.12, -84.78),
        "land",
        "river",
        "river_crossing",
    ),
    (
        "do",
        ("Santo Domingo", "do", 18.49, -69.93),
        ("Miches", "do", 18.98, -69.04),
        ("Aguadilla", "us", 18.43, -67.15),
        "land",
        "sea",
        "night_maritime_departure",
    ),
    (
        "sv",
        ("San Salvador", "sv", 13.69, -89.22),
        ("La Hachadura", "sv", 13.86, -90.09),
        ("Ciudad Pedro de Alvarado", "gt", 13.78, -90.10),
        "land",
        "land",
        "cargo_concealment",
    ),
    (
        "gt",
        ("Ciudad de Guatemala", "gt", 14.63, -90.51),
        ("Tecún Umán", "gt", 14.68, -92.14),
        ("Ciudad Hidalgo", "mx", 14.68, -92.15),
        "land",
        "river",
        "river_crossing",
    ),
    (
        "hn",
        ("San Pedro Sula", "hn", 15.50, -88.03),
        ("Aeropuerto Ramón Villeda", "hn", 15.45, -87.92),
        ("Cancún", "mx", 21.16, -86.85),
        "land",
        "air",
        "forged_visas",
    ),
    (
        "mx",
        ("Tapachula", "mx", 14.90, -92.26),
        ("Ciudad de México", "mx", 19.43, -99.13),
        ("Reynosa", "mx", 26.09, -98.28),
        "land",
        "land",
        "cargo_concealment",
    ),
    (
        "ni",
        ("Managua", "ni", 12.11, -86.24),
        ("El Guasaule", "ni", 12.99, -86.97),
        ("Choluteca", "hn", 13.30, -87.19),
        "land",
        "land",
        "bribery",
    ),
    (
        "pa",
        ("Bajo Chiquito", "pa", 8.00, -77.75),
        ("Lajas Blancas", "pa", 8.26, -77.80),
        ("Paso Canoas", "cr", 8.53, -82.84),
        "river",
        "land",
        "stash_houses",
    ),
    (
        "us",
        ("Detroit", "us", 42.33, -83.05),
        ("Port Huron", "us", 42.97, -82.42),
        ("Sarnia", "ca", 42.97, -82.40),
        "land",
        "river",
        "social_media_recruitment",
    ),
];

fn push_route(cc: &str, out: &mut Vec<String>) {
    let Some((_, a, b, c, m1, m2, mo)) = CORRIDORS.iter().find(|r| r.0 == cc) else {
        return;
    };
    out.push(
        serde_json::json!({"id": "ev", "schema": "Event", "properties": {
            "name": [format!("Interdicción ficticia en {}", b.0)], "date": ["2026-09-14"],
            "location": [b.0], "country": [b.1], "involved": ["p2"],
            "enlaceEventType": ["interdiction"], "enlaceMigrants": ["hn:9", "gt:4", "ht:6"],
            "enlaceModusOperandi": [*mo]}})
        .to_string(),
    );
    let route = format!("Corredor ficticio {} – {}", a.0, c.0);
    for (id, st) in [("ra", a), ("rb", b), ("rc", c)] {
        out.push(
            serde_json::json!({"id": id, "schema": "Address", "properties": {
                "full": [st.0], "city": [st.0], "country": [st.1],
                "latitude": [st.2.to_string()], "longitude": [st.3.to_string()]}})
            .to_string(),
        );
    }
    for (i, (from, to, mode, fee)) in [("ra", "rb", m1, 300), ("rb", "rc", m2, 1500)]
        .iter()
        .enumerate()
    {
        out.push(
            serde_json::json!({"id": format!("leg{i}"), "schema": "Trip", "properties": {
                "name": [format!("{route}, tramo {}", i + 1)], "startLocation": [from], "endLocation": [to],
                "enlaceRoute": [route.clone()], "enlaceLegOrder": [(i + 1).to_string()], "enlaceMode": [**mode],
                "enlaceMeans": [match **mode { "sea" => "lancha", "air" => "vuelo comercial", "river" => "balsa", _ => "autobús y camión" }],
                "enlaceFee": [fee.to_string()], "enlaceCurrency": ["USD"], "enlaceDurationHours": [(6 + i * 18).to_string()],
                "startDate": ["2026-03-01"], "endDate": ["2026-10-15"], "enlaceModusOperandi": [mo],
                "involved": ["p1"]}})
            .to_string(),
        );
    }
}
