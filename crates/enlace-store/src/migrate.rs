//! Schema migrations, run at start. Portable DDL (TEXT, BIGINT) except the few per-engine
//! statements that make the audit tables append-only.
use crate::db::{Engine, Store, Q};

const V1: &[&str] = &[
    "CREATE TABLE countries (code TEXT PRIMARY KEY, name_es TEXT NOT NULL, name_en TEXT NOT NULL, active BIGINT NOT NULL DEFAULT 1)",
    "CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, country TEXT REFERENCES countries(code), role TEXT NOT NULL, password_hash TEXT NOT NULL, totp_secret TEXT, totp_last_step BIGINT NOT NULL DEFAULT 0, demo BIGINT NOT NULL DEFAULT 0, disabled BIGINT NOT NULL DEFAULT 0, language TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE INDEX users_country ON users(country, role)",
    "CREATE TABLE recovery_codes (user_id TEXT NOT NULL REFERENCES users(id), code_hash TEXT NOT NULL, used_at BIGINT, PRIMARY KEY (user_id, code_hash))",
    "CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), stage TEXT NOT NULL, csrf TEXT NOT NULL, pending_secret TEXT, created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL)",
    "CREATE INDEX sessions_user ON sessions(user_id)",
    "CREATE TABLE api_tokens (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, last_used_at BIGINT, revoked_at BIGINT)",
    "CREATE INDEX api_tokens_user ON api_tokens(user_id)",
    "CREATE TABLE cases (id TEXT PRIMARY KEY, reference TEXT NOT NULL UNIQUE, owner_country TEXT NOT NULL REFERENCES countries(code), title TEXT NOT NULL, summary TEXT NOT NULL, dist_level TEXT NOT NULL, handling TEXT NOT NULL, evaluation TEXT NOT NULL, sensitive BIGINT NOT NULL, status TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, closed_at BIGINT, version BIGINT NOT NULL)",
    "CREATE INDEX cases_owner ON cases(owner_country, updated_at)",
    "CREATE INDEX cases_level ON cases(dist_level, updated_at)",
    "CREATE TABLE case_counters (country TEXT NOT NULL, year BIGINT NOT NULL, next_value BIGINT NOT NULL, PRIMARY KEY (country, year))",
    "CREATE TABLE record_countries (record_id TEXT NOT NULL, country TEXT NOT NULL REFERENCES countries(code), PRIMARY KEY (record_id, country))",
    "CREATE INDEX record_countries_country ON record_countries(country, record_id)",
    "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor_id TEXT, actor_username TEXT, actor_country TEXT, actor_role TEXT, action TEXT NOT NULL, object_kind TEXT, object_id TEXT, object_country TEXT, purpose TEXT, case_reference TEXT, outcome TEXT NOT NULL, detail TEXT, request_id TEXT, client_addr TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX audit_actor ON audit_log(actor_id, seq)",
    "CREATE INDEX audit_object_country ON audit_log(object_country, seq)",
    "CREATE TABLE audit_checkpoints (seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, at BIGINT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL)",
];

const V1_SQLITE: &[&str] = &[
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END",
    "CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END",
];

const V1_POSTGRES: &[&str] = &[
    "CREATE OR REPLACE FUNCTION enlace_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION enlace_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION enlace_append_only()",
    "CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION enlace_append_only()",
    "CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION enlace_append_only()",
];

const V2: &[&str] = &[
    "CREATE TABLE entities (id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), owner_country TEXT NOT NULL REFERENCES countries(code), schema TEXT NOT NULL, caption TEXT NOT NULL, properties TEXT NOT NULL, dist_level TEXT NOT NULL, handling TEXT NOT NULL, evaluation TEXT NOT NULL, sensitive BIGINT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version BIGINT NOT NULL)",
    "CREATE INDEX entities_case ON entities(case_id, schema)",
    "CREATE INDEX entities_owner ON entities(owner_country, updated_at)",
    "CREATE TABLE entity_terms (term TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (term, entity_id))",
    "CREATE INDEX entity_terms_entity ON entity_terms(entity_id)",
    "CREATE TABLE entity_refs (entity_id TEXT NOT NULL, prop TEXT NOT NULL, target_id TEXT NOT NULL, PRIMARY KEY (entity_id, prop, target_id))",
    "CREATE INDEX entity_refs_target ON entity_refs(target_id)",
];

const V3: &[&str] = &[
    "CREATE TABLE checks (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, country TEXT, purpose TEXT NOT NULL, case_reference TEXT NOT NULL, subject TEXT NOT NULL, hits BIGINT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX checks_user ON checks(user_id, created_at)",
    "CREATE TABLE check_hits (reference TEXT PRIMARY KEY, check_id TEXT NOT NULL REFERENCES checks(id), entity_id TEXT NOT NULL, owner_country TEXT NOT NULL, score_milli BIGINT NOT NULL)",
    "CREATE INDEX check_hits_check ON check_hits(check_id)",
];

const V4: &[&str] = &[
    "CREATE TABLE record_shares (record_id TEXT NOT NULL, country TEXT NOT NULL REFERENCES countries(code), via TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (record_id, country))",
    "CREATE INDEX record_shares_country ON record_shares(country, record_id)",
    "CREATE TABLE requests (id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, from_country TEXT NOT NULL REFERENCES countries(code), to_country TEXT NOT NULL REFERENCES countries(code), created_by TEXT NOT NULL, purpose TEXT NOT NULL, legal_basis TEXT NOT NULL, urgency TEXT NOT NULL, deadline BIGINT NOT NULL, message TEXT NOT NULL, status TEXT NOT NULL, decline_reason TEXT, decline_text TEXT, mla_reference TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE INDEX requests_from ON requests(from_country, updated_at)",
    "CREATE INDEX requests_to ON requests(to_country, updated_at)",
    "CREATE TABLE request_refs (request_id TEXT NOT NULL REFERENCES requests(id), reference TEXT NOT NULL, PRIMARY KEY (request_id, reference))",
    "CREATE TABLE request_messages (id TEXT PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id), author_id TEXT NOT NULL, author_username TEXT NOT NULL, author_country TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX request_messages_request ON request_messages(request_id, created_at)",
    "CREATE TABLE request_shares (request_id TEXT NOT NULL REFERENCES requests(id), entity_id TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (request_id, entity_id))",
];

const V5: &[&str] = &[
    "CREATE TABLE directory_entries (id TEXT PRIMARY KEY, country TEXT NOT NULL REFERENCES countries(code), status TEXT NOT NULL, approved TEXT, draft TEXT, public BIGINT NOT NULL, confirmed_at BIGINT, approved_by TEXT, approved_at BIGINT, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, stale_notified_at BIGINT)",
    "CREATE INDEX directory_country ON directory_entries(country, status)",
    "CREATE TABLE alerts (id TEXT PRIMARY KEY, country TEXT NOT NULL REFERENCES countries(code), sender_id TEXT NOT NULL, sender_username TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, urgency TEXT NOT NULL, handling TEXT NOT NULL, recipients_level TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX alerts_country ON alerts(country, created_at)",
    "CREATE TABLE alert_recipients (alert_id TEXT NOT NULL REFERENCES alerts(id), country TEXT NOT NULL, PRIMARY KEY (alert_id, country))",
    "CREATE INDEX alert_recipients_country ON alert_recipients(country, alert_id)",
    "CREATE TABLE alert_acks (alert_id TEXT NOT NULL REFERENCES alerts(id), country TEXT NOT NULL, user_id TEXT NOT NULL, username TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (alert_id, country))",
    "CREATE TABLE alert_replies (id TEXT PRIMARY KEY, alert_id TEXT NOT NULL REFERENCES alerts(id), author_id TEXT NOT NULL, author_username TEXT NOT NULL, country TEXT NOT NULL, body TEXT NOT NULL, at BIGINT NOT NULL)",
    "CREATE TABLE alert_links (alert_id TEXT NOT NULL REFERENCES alerts(id), record_id TEXT NOT NULL, PRIMARY KEY (alert_id, record_id))",
    "CREATE TABLE notifications (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), kind TEXT NOT NULL, text TEXT NOT NULL, link TEXT NOT NULL, created_at BIGINT NOT NULL, read_at BIGINT)",
    "CREATE INDEX notifications_user ON notifications(user_id, created_at)",
    "CREATE TABLE live_events (seq BIGINT PRIMARY KEY, user_id TEXT, countries TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE TABLE reminders (key TEXT PRIMARY KEY, at BIGINT NOT NULL)",
];

const V6: &[&str] = &[
    "CREATE TABLE xref_decisions (entity_id TEXT NOT NULL, candidate_id TEXT NOT NULL, country TEXT NOT NULL, decision TEXT NOT NULL, user_id TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (entity_id, candidate_id, country))",
];

const V7: &[&str] = &[
    "CREATE TABLE mo_vocabulary (code TEXT PRIMARY KEY, label_es TEXT NOT NULL, label_en TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "INSERT INTO mo_vocabulary (code, label_es, label_en, created_at) VALUES ('cargo_concealment', 'Ocultamiento en carga', 'Concealment in cargo', 0), ('forged_visas', 'Visas falsificadas', 'Forged visas', 0), ('night_maritime_departure', 'Salida marítima nocturna', 'Maritime departure at night', 0), ('stash_houses', 'Casas de seguridad', 'Stash houses', 0), ('bribery', 'Soborno de funcionarios', 'Bribery of officials', 0), ('fake_job_offers', 'Ofertas de empleo falsas', 'Fake job offers', 0), ('forged_documents', 'Documentos falsos o alterados', 'Forged or altered documents', 0), ('social_media_recruitment', 'Captación por redes sociales', 'Recruitment through social media', 0), ('river_crossing', 'Cruce de río', 'River crossing', 0), ('air_transit_connection', 'Tránsito aéreo con escala', 'Air transit connection', 0)",
];

/// SQLite only: the search terms and links move to WITHOUT ROWID tables, where the primary
/// key is the table (one B-tree per row written instead of a table plus an index).
const V8_SQLITE: &[&str] = &[
    "CREATE TABLE entity_terms_v8 (term TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (term, entity_id)) WITHOUT ROWID",
    "INSERT INTO entity_terms_v8 (term, entity_id) SELECT term, entity_id FROM entity_terms",
    "DROP TABLE entity_terms",
    "ALTER TABLE entity_terms_v8 RENAME TO entity_terms",
    "CREATE INDEX entity_terms_entity ON entity_terms(entity_id)",
    "CREATE TABLE entity_refs_v8 (entity_id TEXT NOT NULL, prop TEXT NOT NULL, target_id TEXT NOT NULL, PRIMARY KEY (entity_id, prop, target_id)) WITHOUT ROWID",
    "INSERT INTO entity_refs_v8 (entity_id, prop, target_id) SELECT entity_id, prop, target_id FROM entity_refs",
    "DROP TABLE entity_refs",
    "ALTER TABLE entity_refs_v8 RENAME TO entity_refs",
    "CREATE INDEX entity_refs_target ON entity_refs(target_id)",
];

/// The term index by entity goes: an import paid a second insert per search term for it,
/// and updates now delete the terms that changed by primary key.
const V9: &[&str] = &["DROP INDEX entity_terms_entity"];

/// Country admins approved by their own country: a pending creation or reset of an admin
/// waits here until the country's approver or another of its admins approves it. And the
/// country view of the audit also reads by the actor's country.
const V10: &[&str] = &[
    "CREATE TABLE account_approvals (user_id TEXT PRIMARY KEY REFERENCES users(id), kind TEXT NOT NULL, country TEXT NOT NULL REFERENCES countries(code), proposed_by TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX audit_actor_country ON audit_log(actor_country, seq)",
];

/// The public portal: what the secretariat publishes (publications, events, campaigns) with
/// its order and files; and a directory entry's public flag takes effect only once approved.
const V15: &[&str] = &[
    "CREATE TABLE portal_items (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title_es TEXT NOT NULL, title_en TEXT NOT NULL, body_es TEXT NOT NULL, body_en TEXT NOT NULL, event_date TEXT, place TEXT NOT NULL, link TEXT NOT NULL, status TEXT NOT NULL, position BIGINT NOT NULL, proposed_by TEXT NOT NULL, proposed_country TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, published_at BIGINT)",
    "CREATE INDEX portal_items_status ON portal_items(status, kind, position)",
    "ALTER TABLE directory_entries ADD COLUMN approved_public BIGINT NOT NULL DEFAULT 0",
    "UPDATE directory_entries SET approved_public = public WHERE status = 'approved'",
];
const V15_SQLITE: &[&str] = &[
    "CREATE TABLE portal_files (item_id TEXT PRIMARY KEY REFERENCES portal_items(id), name TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, content BLOB NOT NULL)",
];
const V15_POSTGRES: &[&str] = &[
    "CREATE TABLE portal_files (item_id TEXT PRIMARY KEY REFERENCES portal_items(id), name TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, content BYTEA NOT NULL)",
];

/// Files attached to a work-plan progress report as evidence (PDF or images): kept with the
/// report; adding or removing one is audited like the report.
const V20_SQLITE: &[&str] = &[
    "CREATE TABLE workplan_evidence_files (id TEXT PRIMARY KEY, progress_id TEXT NOT NULL REFERENCES workplan_progress(id), name TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, uploaded_by_username TEXT NOT NULL, uploaded_at BIGINT NOT NULL, content BLOB NOT NULL)",
    "CREATE INDEX workplan_evidence_files_progress ON workplan_evidence_files(progress_id, uploaded_at)",
];
const V20_POSTGRES: &[&str] = &[
    "CREATE TABLE workplan_evidence_files (id TEXT PRIMARY KEY, progress_id TEXT NOT NULL REFERENCES workplan_progress(id), name TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, uploaded_by_username TEXT NOT NULL, uploaded_at BIGINT NOT NULL, content BYTEA NOT NULL)",
    "CREATE INDEX workplan_evidence_files_progress ON workplan_evidence_files(progress_id, uploaded_at)",
];

/// Work plans (the 2018 work plan and the 2003 action plan ship as data; others are
/// imported) and each country's progress on their actions per period, with the history of
/// every change.
const V12: &[&str] = &[
    "CREATE TABLE workplans (id TEXT PRIMARY KEY, builtin TEXT UNIQUE, year BIGINT NOT NULL, title_es TEXT NOT NULL, title_en TEXT NOT NULL, document TEXT NOT NULL, created_by TEXT, created_at BIGINT NOT NULL)",
    "CREATE TABLE workplan_progress (id TEXT PRIMARY KEY, plan_id TEXT NOT NULL REFERENCES workplans(id), country TEXT NOT NULL REFERENCES countries(code), action TEXT NOT NULL, period TEXT NOT NULL, status TEXT NOT NULL, evidence TEXT NOT NULL, link TEXT, evidence_date TEXT, revision BIGINT NOT NULL, updated_by TEXT NOT NULL, updated_by_username TEXT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (plan_id, country, action, period))",
    "CREATE INDEX workplan_progress_period ON workplan_progress(plan_id, period, country)",
    "CREATE TABLE workplan_progress_history (progress_id TEXT NOT NULL REFERENCES workplan_progress(id), revision BIGINT NOT NULL, status TEXT NOT NULL, evidence TEXT NOT NULL, link TEXT, evidence_date TEXT, updated_by TEXT NOT NULL, updated_by_username TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (progress_id, revision))",
];

/// The comparative legislation matrix: the questions (drawn from the UN Smuggling of Migrants
/// Protocol, shipped here and edited by the secretariat afterwards), each country's current
/// answer, and every version of it with what changed.
const V11: &[&str] = &[
    "CREATE TABLE legislation_questions (code TEXT PRIMARY KEY, position BIGINT NOT NULL, article TEXT NOT NULL, text_es TEXT NOT NULL, text_en TEXT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE TABLE legislation_answers (country TEXT NOT NULL REFERENCES countries(code), question TEXT NOT NULL REFERENCES legislation_questions(code), answer TEXT NOT NULL, citation TEXT, excerpt TEXT NOT NULL, version BIGINT NOT NULL, updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (country, question))",
    "CREATE INDEX legislation_answers_updated ON legislation_answers(updated_at)",
    "CREATE TABLE legislation_versions (country TEXT NOT NULL REFERENCES countries(code), question TEXT NOT NULL REFERENCES legislation_questions(code), version BIGINT NOT NULL, answer TEXT NOT NULL, citation TEXT, excerpt TEXT NOT NULL, changes TEXT NOT NULL, by_user TEXT NOT NULL, by_username TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (country, question, version))",
    r#"INSERT INTO legislation_questions (code, position, article, text_es, text_en, updated_at) VALUES
        ('ratification', 1, '21', '¿Ha ratificado el país el Protocolo contra el tráfico ilícito de migrantes por tierra, mar y aire (o se ha adherido a él)? Indique la fecha de ratificación o adhesión en «Vigente desde».', 'Has the country ratified (or acceded to) the Protocol against the Smuggling of Migrants by Land, Sea and Air? Give the date of ratification or accession as «In force since».', 0),
        ('art3_benefit', 2, '3(a)', '¿La definición legal del tráfico ilícito de migrantes exige el fin de obtener un beneficio financiero u otro beneficio de orden material?', 'Does the legal definition of migrant smuggling require the purpose of obtaining a financial or other material benefit?', 0),
        ('art5_not_liable', 3, '5', '¿La ley excluye la responsabilidad penal del migrante por haber sido objeto de tráfico ilícito?', 'Does the law exclude the criminal liability of migrants for having been the object of smuggling?', 0),
        ('art6_1_a', 4, '6(1)(a)', '¿Está tipificado como delito el tráfico ilícito de migrantes?', 'Is the smuggling of migrants established as a criminal offence?', 0),
        ('art6_1_b', 5, '6(1)(b)', '¿Está tipificado como delito crear, facilitar, suministrar o poseer un documento de viaje o de identidad falso con el fin de posibilitar el tráfico ilícito de migrantes?', 'Is producing, procuring, providing or possessing a fraudulent travel or identity document, when committed for the purpose of enabling the smuggling of migrants, a criminal offence?', 0),
        ('art6_1_c', 6, '6(1)(c)', '¿Está tipificado como delito habilitar a una persona para permanecer en el país sin cumplir los requisitos para ello?', 'Is enabling a person to remain in the country without complying with the requirements for legally remaining a criminal offence?', 0),
        ('art6_2_a', 7, '6(2)(a)', '¿Se sanciona la tentativa de cometer esos delitos?', 'Is attempting to commit these offences punishable?', 0),
        ('art6_2_b', 8, '6(2)(b)', '¿Se sanciona la participación como cómplice en esos delitos?', 'Is participating as an accomplice in these offences punishable?', 0),
        ('art6_2_c', 9, '6(2)(c)', '¿Se sanciona la organización o dirección de otras personas para cometer esos delitos?', 'Is organising or directing other persons to commit these offences punishable?', 0),
        ('art6_3_a', 10, '6(3)(a)', '¿Es circunstancia agravante poner en peligro, o poder poner en peligro, la vida o la seguridad de los migrantes?', 'Is endangering, or being likely to endanger, the lives or safety of the migrants an aggravating circumstance?', 0),
        ('art6_3_b', 11, '6(3)(b)', '¿Es circunstancia agravante dar a los migrantes un trato inhumano o degradante, incluida la explotación?', 'Is inhuman or degrading treatment of the migrants, including for exploitation, an aggravating circumstance?', 0),
        ('art8_sea', 12, '8', '¿Prevé la ley medidas contra el tráfico ilícito de migrantes por mar (visita y registro de buques, cooperación con el Estado del pabellón)?', 'Does the law provide measures against the smuggling of migrants by sea (boarding and searching vessels, cooperation with the flag State)?', 0),
        ('art16_1_life', 13, '16(1)', '¿Protege la ley el derecho a la vida de los migrantes objeto de tráfico y su derecho a no ser sometidos a tortura ni a otros tratos o penas crueles, inhumanos o degradantes?', 'Does the law protect smuggled migrants'' right to life and their right not to be subjected to torture or other cruel, inhuman or degrading treatment or punishment?', 0),
        ('art16_2_violence', 14, '16(2)', '¿Prevé la ley protección adecuada de los migrantes contra la violencia de personas o grupos por haber sido objeto de tráfico?', 'Does the law provide appropriate protection to migrants against violence by individuals or groups by reason of their having been smuggled?', 0),
        ('art16_3_assistance', 15, '16(3)', '¿Prevé la ley asistencia a los migrantes cuya vida o seguridad corran peligro por haber sido objeto de tráfico?', 'Does the law provide assistance to migrants whose lives or safety are endangered by reason of their having been smuggled?', 0),
        ('art16_4_women_children', 16, '16(4)', '¿Tiene en cuenta la ley las necesidades especiales de las mujeres y de los niños, niñas y adolescentes?', 'Does the law take into account the special needs of women and children?', 0),
        ('art16_5_consular', 17, '16(5)', '¿Prevé la ley informar sin demora a la persona detenida de su derecho a la notificación consular y la comunicación con su consulado?', 'Does the law provide that a detained person is informed without delay of the right to consular notification and communication?', 0),
        ('art18_1_readmission', 18, '18(1)', '¿Facilita y acepta el país el regreso de sus nacionales y residentes permanentes que hayan sido objeto de tráfico ilícito?', 'Does the country facilitate and accept the return of its nationals and permanent residents who have been smuggled?', 0),
        ('art18_3_nationality', 19, '18(3)', '¿Se verifica sin demora indebida si la persona objeto de tráfico es nacional o residente permanente, a solicitud del Estado receptor?', 'Is it verified without undue delay, at the request of the receiving State, whether a smuggled person is a national or permanent resident?', 0),
        ('art18_4_documents', 20, '18(4)', '¿Expide el país los documentos de viaje necesarios para el regreso de las personas que carecen de la debida documentación?', 'Does the country issue the travel documents needed for the return of persons who lack proper documentation?', 0),
        ('art18_5_safe_return', 21, '18(5)', '¿Se realiza el regreso de manera ordenada, con la debida consideración de la seguridad y la dignidad de la persona?', 'Is return carried out in an orderly manner, with due regard for the safety and dignity of the person?', 0),
        ('art19_1_refugees', 22, '19(1)', '¿Dispone la ley que las medidas contra el tráfico ilícito no afectan a los derechos y obligaciones del derecho internacional de los refugiados (Convención de 1951 y Protocolo de 1967)?', 'Does the law provide that measures against smuggling do not affect rights and obligations under international refugee law (the 1951 Convention and the 1967 Protocol)?', 0),
        ('art19_1_non_refoulement', 23, '19(1)', '¿Reconoce la ley el principio de no devolución (non-refoulement)?', 'Does the law recognise the principle of non-refoulement?', 0)"#,
];

/// Visa requirements (reference data): one row per version. A change supersedes the
/// current version of its (destination, nationality, effective date) and adds a new one, so
/// the whole history stays; at most one current version per key. `version` numbers the
/// versions of a pair in the order they were recorded.
const V14: &[&str] = &[
    "CREATE TABLE visa_rules (id TEXT PRIMARY KEY, destination TEXT NOT NULL REFERENCES countries(code), nationality TEXT NOT NULL, version BIGINT NOT NULL, effective TEXT NOT NULL, regime TEXT NOT NULL, max_stay_days BIGINT, source_text TEXT NOT NULL, source_url TEXT, notes TEXT NOT NULL, verified BIGINT NOT NULL, change TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_by_country TEXT, recorded_at BIGINT NOT NULL, superseded_at BIGINT)",
    "CREATE UNIQUE INDEX visa_rules_current ON visa_rules(destination, nationality, effective) WHERE superseded_at IS NULL",
    "CREATE UNIQUE INDEX visa_rules_pair ON visa_rules(destination, nationality, version)",
    "CREATE INDEX visa_rules_nationality ON visa_rules(nationality, destination)",
    // Travel-document specimens (recorded by a member country, about a document of any
    // issuing country), their security features with optional images, and forgery patterns.
    "CREATE TABLE travel_documents (id TEXT PRIMARY KEY, owner_country TEXT NOT NULL REFERENCES countries(code), issuing_country TEXT NOT NULL, kind TEXT NOT NULL, series TEXT NOT NULL, first_issued TEXT, validity_years BIGINT, description TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE INDEX travel_documents_issuing ON travel_documents(issuing_country, kind)",
    "CREATE TABLE document_features (id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES travel_documents(id), page TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, image_type TEXT, image_width BIGINT, image_height BIGINT, image_data TEXT, created_by TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX document_features_document ON document_features(document_id, created_at)",
    "CREATE TABLE forgery_patterns (id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES travel_documents(id), owner_country TEXT NOT NULL REFERENCES countries(code), title TEXT NOT NULL, description TEXT NOT NULL, first_seen TEXT, created_by TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX forgery_patterns_document ON forgery_patterns(document_id, created_at)",
];

/// Meetings of the network and their numbered agreements (V13): a meeting's number is
/// sequential within its year; an agreement's number (`RFE-<year>-<meeting>/<n>`) is
/// assigned in the write transaction and never changes; agreements are withdrawn, never
/// deleted. Documents are stored in the database (base64 text: the schema keeps to TEXT
/// and BIGINT on both engines).
const V13: &[&str] = &[
    "CREATE TABLE meetings (id TEXT PRIMARY KEY, year BIGINT NOT NULL, number BIGINT NOT NULL, date TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, agenda TEXT NOT NULL, minutes_es TEXT NOT NULL, minutes_en TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version BIGINT NOT NULL, UNIQUE (year, number))",
    "CREATE INDEX meetings_date ON meetings(date, id)",
    "CREATE TABLE meeting_attendance (meeting_id TEXT NOT NULL REFERENCES meetings(id), country TEXT NOT NULL REFERENCES countries(code), PRIMARY KEY (meeting_id, country))",
    "CREATE TABLE meeting_documents (id TEXT PRIMARY KEY, meeting_id TEXT NOT NULL REFERENCES meetings(id), title TEXT NOT NULL, filename TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, content TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX meeting_documents_meeting ON meeting_documents(meeting_id, created_at)",
    "CREATE TABLE agreements (id TEXT PRIMARY KEY, meeting_id TEXT NOT NULL REFERENCES meetings(id), seq BIGINT NOT NULL, number TEXT NOT NULL UNIQUE, text TEXT NOT NULL, due TEXT NOT NULL, due_ms BIGINT NOT NULL, status TEXT NOT NULL, public BIGINT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version BIGINT NOT NULL, overdue_notified_at BIGINT, UNIQUE (meeting_id, seq))",
    "CREATE INDEX agreements_status ON agreements(status, due_ms)",
    "CREATE TABLE agreement_responsible (agreement_id TEXT NOT NULL REFERENCES agreements(id), party TEXT NOT NULL, PRIMARY KEY (agreement_id, party))",
    "CREATE INDEX agreement_responsible_party ON agreement_responsible(party, agreement_id)",
    "CREATE TABLE agreement_followups (id TEXT PRIMARY KEY, agreement_id TEXT NOT NULL REFERENCES agreements(id), author_id TEXT NOT NULL, author_username TEXT NOT NULL, author_country TEXT, text TEXT NOT NULL, status TEXT, created_at BIGINT NOT NULL)",
    "CREATE INDEX agreement_followups_agreement ON agreement_followups(agreement_id, created_at)",
];

/// Statistics (V16): the indicator catalogue (shipped as data, edited by the secretariat),
/// each country's current figures per indicator and period (with the disclosure-control
/// pattern computed when they were written, and the threshold it was computed for), and
/// every revision. Cells are a JSON list of `{"key":[…],"value":n}`.
const V16: &[&str] = &[
    "CREATE TABLE stat_indicators (code TEXT PRIMARY KEY, position BIGINT NOT NULL, name_es TEXT NOT NULL, name_en TEXT NOT NULL, definition_es TEXT NOT NULL, definition_en TEXT NOT NULL, unit_es TEXT NOT NULL, unit_en TEXT NOT NULL, period TEXT NOT NULL, dimensions TEXT NOT NULL, k BIGINT NOT NULL, kind TEXT NOT NULL, public BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE TABLE stat_figures (country TEXT NOT NULL REFERENCES countries(code), indicator TEXT NOT NULL REFERENCES stat_indicators(code), period TEXT NOT NULL, revision BIGINT NOT NULL, total BIGINT NOT NULL, cells TEXT NOT NULL, protection TEXT NOT NULL, protection_k BIGINT NOT NULL, closed_at BIGINT, closed_by TEXT, updated_at BIGINT NOT NULL, PRIMARY KEY (country, indicator, period))",
    "CREATE INDEX stat_figures_period ON stat_figures(indicator, period, country)",
    "CREATE TABLE stat_revisions (country TEXT NOT NULL REFERENCES countries(code), indicator TEXT NOT NULL REFERENCES stat_indicators(code), period TEXT NOT NULL, revision BIGINT NOT NULL, total BIGINT NOT NULL, cells TEXT NOT NULL, reason TEXT, by_user TEXT NOT NULL, by_username TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (country, indicator, period, revision))",
];

/// Migration centres (V17): each country's centres, every occupancy snapshot (cells as JSON,
/// never overwritten: trends), the crisis history, and the neighbour table a crisis raise
/// alerts (data the secretariat edits; shipped with the land and sea neighbours among the
/// 11). Coordinates are micro-degrees: the schema keeps to TEXT and BIGINT on both engines.
const V17: &[&str] = &[
    "CREATE TABLE centres (id TEXT PRIMARY KEY, country TEXT NOT NULL REFERENCES countries(code), name TEXT NOT NULL, kind TEXT NOT NULL, capacity BIGINT NOT NULL, operational_capacity BIGINT, children_capacity BIGINT, place TEXT NOT NULL, lat_e6 BIGINT, lon_e6 BIGINT, crisis_level BIGINT NOT NULL, crisis_reason TEXT NOT NULL, crisis_at BIGINT, version BIGINT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE INDEX centres_country ON centres(country, name)",
    "CREATE TABLE centre_occupancy (id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), at BIGINT NOT NULL, total BIGINT NOT NULL, unaccompanied BIGINT NOT NULL, cells TEXT NOT NULL, reported_by TEXT NOT NULL, reported_by_username TEXT NOT NULL, reported_at BIGINT NOT NULL)",
    "CREATE INDEX centre_occupancy_centre ON centre_occupancy(centre_id, at, reported_at)",
    "CREATE TABLE centre_crises (id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), level BIGINT NOT NULL, previous_level BIGINT NOT NULL, reason TEXT NOT NULL, set_by TEXT NOT NULL, set_by_username TEXT NOT NULL, alert_id TEXT, at BIGINT NOT NULL)",
    "CREATE INDEX centre_crises_centre ON centre_crises(centre_id, at)",
    "CREATE TABLE neighbours (a TEXT NOT NULL, b TEXT NOT NULL, kind TEXT NOT NULL, updated_by TEXT, updated_at BIGINT NOT NULL, PRIMARY KEY (a, b))",
    "INSERT INTO neighbours (a, b, kind, updated_by, updated_at) VALUES ('ca', 'us', 'land', NULL, 0), ('mx', 'us', 'land', NULL, 0), ('gt', 'mx', 'land', NULL, 0), ('bz', 'mx', 'land', NULL, 0), ('bz', 'gt', 'land', NULL, 0), ('gt', 'sv', 'land', NULL, 0), ('gt', 'hn', 'land', NULL, 0), ('hn', 'sv', 'land', NULL, 0), ('hn', 'ni', 'land', NULL, 0), ('cr', 'ni', 'land', NULL, 0), ('cr', 'pa', 'land', NULL, 0), ('do', 'us', 'sea', NULL, 0), ('bz', 'hn', 'sea', NULL, 0), ('ni', 'sv', 'sea', NULL, 0)",
];

struct Migration {
    version: i64,
    common: &'static [&'static str],
    sqlite: &'static [&'static str],
    postgres: &'static [&'static str],
}

/// Review dates of case files (retention): the date a confirmation set, when and why.
/// Without one, a case file is due its review period after its last change.
const V18: &[&str] = &[
    "ALTER TABLE cases ADD COLUMN review_at BIGINT",
    "ALTER TABLE cases ADD COLUMN reviewed_at BIGINT",
    "ALTER TABLE cases ADD COLUMN review_reason TEXT",
    "CREATE INDEX cases_owner_review ON cases(owner_country, review_at)",
];

/// Each user's time zone for the pages (V19); NULL means their country's zone. And the
/// approver's reason when they send a directory entry back.
const V19: &[&str] = &[
    "ALTER TABLE users ADD COLUMN time_zone TEXT",
    "ALTER TABLE directory_entries ADD COLUMN rejected_reason TEXT",
];

/// Encryption at rest (V21): the key version each kind of sealed data was last brought to,
/// so the start-up sealing pass and `enlace keys rotate` know when nothing is left to do.
const V21: &[&str] = &["CREATE TABLE record_seal (what TEXT PRIMARY KEY, version BIGINT NOT NULL)"];

/// The term index by entity again (V9 dropped it), term second: a search checks a broad word
/// («~S», every name starting with an S sound) on its few thousand candidates with one seek
/// each instead of reading the word's hundreds of thousands of entries. Entity ids are
/// time-ordered, so an import appends to its right edge. SQLite only: PostgreSQL had it
/// until V25, which keeps each entity's terms on its row instead.
const V22: &[&str] =
    &["CREATE INDEX IF NOT EXISTS entity_terms_by_entity ON entity_terms(entity_id, term)"];

/// PostgreSQL compares search terms byte by byte: under the database's default collation
/// (`C.UTF-8` and the like, which PostgreSQL 15 does not treat as "C") every comparison in
/// the term index went through `strcoll`, a tenth of the backend's time in a bulk import.
/// Terms are folded text compared only with each other and with bound words, and UTF-8
/// byte order is code point order, so every range and answer stays the same (the index
/// is rebuilt once).
const V23_POSTGRES: &[&str] =
    &["ALTER TABLE entity_terms ALTER COLUMN term TYPE TEXT COLLATE \"C\""];

/// What a search checks of each candidate (visibility, sensitivity, kind), by id, without
/// reading the entity's row (V24, SQLite): a search of a common misspelt name checks
/// thousands of candidates, and each row is on its own page with the entity's properties, so
/// the check read about twice the pages. Ids are time-ordered: an import appends to its
/// right edge. A search names the index (`INDEXED BY`), as SQLite's planner prefers the
/// primary key's unique index. Not on PostgreSQL: there a covering index on the id made the
/// planner answer every page of a search ordered by id by walking that whole index (a
/// phone's search took 250 ms instead of 2).
const V24_SQLITE: &[&str] = &["CREATE INDEX IF NOT EXISTS entities_visible ON entities(id, owner_country, dist_level, sensitive, schema)"];
/// On PostgreSQL, V23's change of the term's type dropped the column's statistics, and
/// autovacuum gathers them again only after enough rows change: until then a phone's search
/// was planned blind and walked the entities in id order (250 ms instead of 2). Gathered at
/// once (a sample: about a second at a million persons).
const V24_POSTGRES: &[&str] = &["ANALYZE entity_terms"];

/// On PostgreSQL each entity's row carries its search terms (V25), and the term index by
/// entity (V22) goes: a search checks a broad word on its candidates by reading their rows
/// by primary key (which its visibility check reads anyway), and an import no longer
/// inserts every term into a second B-tree (a quarter of PostgreSQL's import rate,
/// measured in docs/BENCHMARKS.md). The rows are filled once from the term index. SQLite
/// keeps V22: there a row shares its page with the entity's properties, and its import
/// already keeps its pace.
const V25_POSTGRES: &[&str] = &[
    "ALTER TABLE entities ADD COLUMN search_terms TEXT[] COLLATE \"C\"",
    "UPDATE entities e SET search_terms = t.terms FROM (SELECT entity_id, array_agg(term ORDER BY term) AS terms FROM entity_terms GROUP BY entity_id) t WHERE t.entity_id = e.id",
    "DROP INDEX IF EXISTS entity_terms_by_entity",
    "ANALYZE entities",
];

/// On PostgreSQL an entity's case and country are checked once per statement instead of
/// once per row (V26): the two foreign keys of `entities` ran a query each for every row
/// inserted, about a quarter of PostgreSQL's import time (measured in docs/BENCHMARKS.md).
/// Statement triggers check every row a statement inserted (a transition table, one
/// anti-join) and refuse the rows whose case or country is missing; a row's case or country
/// changed, or a case or country deleted or renamed while entities name it, is refused the
/// same way. (A foreign key also locks the row it names against a concurrent deletion;
/// here every writer holds the store's write lock, an advisory lock on PostgreSQL.) SQLite
/// keeps its foreign keys, which cost it little.
const V26_POSTGRES: &[&str] = &[
    "ALTER TABLE entities DROP CONSTRAINT IF EXISTS entities_case_id_fkey",
    "ALTER TABLE entities DROP CONSTRAINT IF EXISTS entities_owner_country_fkey",
    "CREATE OR REPLACE FUNCTION enlace_entities_named() RETURNS trigger AS $$ BEGIN \
     IF EXISTS (SELECT 1 FROM enlace_new n WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = n.case_id) \
     OR NOT EXISTS (SELECT 1 FROM countries k WHERE k.code = n.owner_country)) THEN \
     RAISE EXCEPTION 'an entity names a case file or country that does not exist' USING ERRCODE = 'foreign_key_violation'; \
     END IF; RETURN NULL; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER entities_named_insert AFTER INSERT ON entities REFERENCING NEW TABLE AS enlace_new FOR EACH STATEMENT EXECUTE FUNCTION enlace_entities_named()",
    "CREATE TRIGGER entities_named_update AFTER UPDATE ON entities REFERENCING NEW TABLE AS enlace_new FOR EACH STATEMENT EXECUTE FUNCTION enlace_entities_named()",
    "CREATE OR REPLACE FUNCTION enlace_cases_named() RETURNS trigger AS $$ BEGIN \
     IF EXISTS (SELECT 1 FROM enlace_old o WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = o.id) AND EXISTS (SELECT 1 FROM entities e WHERE e.case_id = o.id)) THEN \
     RAISE EXCEPTION 'a case file still holds entities' USING ERRCODE = 'foreign_key_violation'; \
     END IF; RETURN NULL; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER cases_named_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS enlace_old FOR EACH STATEMENT EXECUTE FUNCTION enlace_cases_named()",
    "CREATE TRIGGER cases_named_update AFTER UPDATE ON cases REFERENCING OLD TABLE AS enlace_old FOR EACH STATEMENT EXECUTE FUNCTION enlace_cases_named()",
    "CREATE OR REPLACE FUNCTION enlace_countries_named() RETURNS trigger AS $$ BEGIN \
     IF EXISTS (SELECT 1 FROM enlace_old o WHERE NOT EXISTS (SELECT 1 FROM countries k WHERE k.code = o.code) AND EXISTS (SELECT 1 FROM entities e WHERE e.owner_country = o.code)) THEN \
     RAISE EXCEPTION 'entities still belong to the country' USING ERRCODE = 'foreign_key_violation'; \
     END IF; RETURN NULL; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER countries_named_delete AFTER DELETE ON countries REFERENCING OLD TABLE AS enlace_old FOR EACH STATEMENT EXECUTE FUNCTION enlace_countries_named()",
    "CREATE TRIGGER countries_named_update AFTER UPDATE ON countries REFERENCING OLD TABLE AS enlace_old FOR EACH STATEMENT EXECUTE FUNCTION enlace_countries_named()",
];

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        common: V1,
        sqlite: V1_SQLITE,
        postgres: V1_POSTGRES,
    },
    Migration {
        version: 2,
        common: V2,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 3,
        common: V3,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 4,
        common: V4,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 5,
        common: V5,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 6,
        common: V6,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 7,
        common: V7,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 8,
        common: &[],
        sqlite: V8_SQLITE,
        postgres: &[],
    },
    Migration {
        version: 9,
        common: V9,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 10,
        common: V10,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 11,
        common: V11,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 12,
        common: V12,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 13,
        common: V13,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 14,
        common: V14,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 15,
        common: V15,
        sqlite: V15_SQLITE,
        postgres: V15_POSTGRES,
    },
    Migration {
        version: 16,
        common: V16,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 17,
        common: V17,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 18,
        common: V18,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 19,
        common: V19,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 20,
        common: &[],
        sqlite: V20_SQLITE,
        postgres: V20_POSTGRES,
    },
    Migration {
        version: 21,
        common: V21,
        sqlite: &[],
        postgres: &[],
    },
    Migration {
        version: 22,
        common: &[],
        sqlite: V22,
        postgres: &[],
    },
    Migration {
        version: 23,
        common: &[],
        sqlite: &[],
        postgres: V23_POSTGRES,
    },
    Migration {
        version: 24,
        common: &[],
        sqlite: V24_SQLITE,
        postgres: V24_POSTGRES,
    },
    Migration {
        version: 25,
        common: &[],
        sqlite: &[],
        postgres: V25_POSTGRES,
    },
    Migration {
        version: 26,
        common: &[],
        sqlite: &[],
        postgres: V26_POSTGRES,
    },
];

pub(crate) async fn run(store: &Store) -> crate::Result<()> {
    let mut tx = store.begin().await?;
    tx.execute(&Q::new(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    ))
    .await?;
    let row = tx
        .fetch_one(&Q::new(
            "SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations",
        ))
        .await?;
    let current: i64 = sqlx::Row::try_get(&row, "v")?;
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let specific = match tx.engine() {
            Engine::Sqlite => m.sqlite,
            Engine::Postgres => m.postgres,
        };
        for stmt in m.common.iter().chain(specific) {
            tx.execute(&Q::new(stmt)).await?;
        }
        tx.execute(
            &Q::new("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .arg(m.version)
                .arg(0i64),
        )
        .await?;
    }
    // Countries are reference data: make sure all members exist.
    for (code, es, en) in enlace_domain::COUNTRIES {
        let exists = tx
            .fetch_optional(&Q::new("SELECT code FROM countries WHERE code = $1").arg(code))
            .await?
            .is_some();
        if !exists {
            tx.execute(
                &Q::new(
                    "INSERT INTO countries (code, name_es, name_en, active) VALUES ($1, $2, $3, 1)",
                )
                .arg(code)
                .arg(es)
                .arg(en),
            )
            .await?;
        }
    }
    tx.commit().await
}
