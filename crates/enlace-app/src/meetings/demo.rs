//! Demo data: two fictional meetings with a few agreements in each status.
use super::*;

/// (meeting index, text, responsible, due in days from now, public, status)
type DemoAgreement = (
    usize,
    &'static str,
    &'static [&'static str],
    i64,
    bool,
    &'static str,
);

impl App {
    /// Demo data: two fictional meetings with a few agreements.
    pub(crate) async fn seed_demo_meetings(&self) -> AppResult<()> {
        let now = self.now_ms();
        let day =
            |offset: i64| enlace_domain::clock::format_utc(now + offset * DAY_MS)[..10].to_string();
        let mut tx = self.store.begin().await?;
        let all: Vec<Country> = Country::all().collect();
        let some: Vec<Country> = all.iter().copied().filter(|c| c.code() != "bz").collect();
        let meetings = [
            (
                day(-60),
                "network",
                "Reunión ordinaria de la Red (demostración)",
                "1. Informes de los países sobre tráfico ilícito de migrantes\n2. Plan de trabajo regional\n3. Documentos distribuidos a los Países Miembros\n4. Varios",
                "Reunión de demostración con contenido ficticio. Los países presentaron sus informes y acordaron actualizar el directorio de puntos focales.",
                "Demonstration meeting with fictional content. The countries presented their reports and agreed to update the directory of focal points.",
                some,
            ),
            (
                day(-10),
                "virtual",
                "Reunión virtual mensual (demostración)",
                "1. Seguimiento de acuerdos\n2. Alertas recientes\n3. Próxima reunión",
                "Reunión virtual ficticia: se revisó el avance de los acuerdos pendientes.",
                "Fictional virtual meeting: progress on pending agreements was reviewed.",
                all,
            ),
        ];
        let mut ids = Vec::new();
        for (date, kind, title, agenda, es, en, att) in &meetings {
            let (id, _) = tx
                .insert_meeting(
                    &NewMeeting {
                        year: year_of(date),
                        date,
                        kind,
                        title,
                        agenda,
                        minutes_es: es,
                        minutes_en: en,
                        attendance: att,
                        by: "demo",
                    },
                    now,
                )
                .await?;
            ids.push(id);
        }
        let agreements: [DemoAgreement; 5] = [
            (0, "Actualizar las entradas del directorio de puntos focales y someterlas a la aprobación de cada Cancillería.", &["gt", "hn", "sv"], 20, true, "in_progress"),
            (0, "Circular a los Países Miembros el protocolo regional de repatriación (documento ficticio de demostración).", &["secretariat"], -20, true, "done"),
            (0, "Enviar a la Secretaría Técnica la información sobre pasaportes cancelados para su circulación.", &["us"], -5, false, "open"),
            (1, "Presentar las cifras del trimestre de migrantes objeto de tráfico detectados.", &["mx", "cr", "pa"], 30, false, "open"),
            (1, "Propuesta de taller regional retirada por duplicar otra iniciativa.", &["secretariat", "ni"], 15, false, "withdrawn"),
        ];
        for (m, text, resp, due_days, public, status) in agreements {
            let Some(meeting) = tx.meeting(&ids[m]).await? else {
                continue;
            };
            let due = day(due_days);
            let due_ms = parse_date(&due).unwrap_or(now);
            let resp: Vec<String> = resp.iter().map(|s| s.to_string()).collect();
            let (id, _) = tx
                .insert_agreement(&meeting, text, &resp, &due, due_ms, public, "demo", now)
                .await?;
            if status != "open" {
                if let Some(mut a) = tx.agreement(&id).await? {
                    a.status = status.to_string();
                    tx.update_agreement(&a, false, now).await?;
                    tx.insert_followup(&id, "demo", "secretariat", None, "", Some(status), now)
                        .await?;
                }
            }
        }
        let mut e = crate::anonymous_entry(&crate::Origin::default(), "demo.seed", "ok");
        e.detail = Some("demo meetings and agreements".into());
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(())
    }
}
