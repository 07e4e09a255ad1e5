//! The handoff confirmation tells the customer their place in the queue and an estimated wait
//! (`{{position}}`, `{{wait}}`), from a known history: who waits now and how long recent
//! customers waited for a person.

use crate::channels::{channel_app, wa_text, Ch};
use crate::queue::conversation;
use app::domain::ownership::{Actor, Transition};
use app::domain::users::Role;
use app::services::conversations::transition_at;
use app::services::{now_ms, settings};
use reqwest::StatusCode;

const MIN: i64 = 60_000;

/// A conversation that waited `waited` ms for an operator, accepted `ago` ms ago.
async fn served(ch: &Ch, external_id: &str, operator: i64, waited: i64, ago: i64) {
    let id = conversation(&ch.app, external_id, external_id).await;
    let accepted_at = now_ms() - ago;
    transition_at(
        &ch.app.state,
        id,
        Transition::Escalate,
        Some("keyword"),
        accepted_at - waited,
    )
    .await
    .unwrap();
    let ana = Actor {
        id: operator,
        is_admin: false,
    };
    transition_at(
        &ch.app.state,
        id,
        Transition::Accept(ana),
        None,
        accepted_at,
    )
    .await
    .unwrap();
}

/// The WhatsApp messages the mock received, as their text.
fn sent_texts(ch: &Ch) -> Vec<String> {
    ch.graph
        .requests()
        .into_iter()
        .filter_map(|r| r.json["text"]["body"].as_str().map(str::to_string))
        .collect()
}

both_databases_with! { channel_app;
    async fn the_handoff_confirmation_tells_the_place_in_the_queue_and_the_wait(ch) {
        let mut h = (*settings::handoff(&ch.app.state).await.unwrap()).clone();
        h.confirmation = "Eres el número {{position}} en la fila; espera aprox.: {{wait}}.".into();
        h.confirmation_en = "You are number {{position}} in line; expect {{wait}}.".into();
        settings::save_handoff(&ch.app.state, &h).await.unwrap();
        let ana = ch.app.user("ana@x.io", Role::Operator).await;
        // Recent customers waited 3, 5 and 11 minutes (median 5); one from last month waited an
        // hour and no longer counts.
        served(&ch, "t-1", ana, 3 * MIN, 50 * MIN).await;
        served(&ch, "t-2", ana, 5 * MIN, 40 * MIN).await;
        served(&ch, "t-3", ana, 11 * MIN, 30 * MIN).await;
        served(&ch, "t-old", ana, 60 * MIN, 30 * 24 * 60 * MIN).await;
        // Two customers wait now.
        for who in ["t-4", "t-5"] {
            let id = conversation(&ch.app, who, who).await;
            transition_at(&ch.app.state, id, Transition::Escalate, Some("keyword"), now_ms()).await.unwrap();
        }

        let r = ch.post_wa(&wa_text("34600777888", "wamid.w1", "quiero hablar con un humano")).await;
        assert_eq!(r.status(), StatusCode::OK);
        ch.graph.wait_for(1).await;
        assert_eq!(sent_texts(&ch), vec!["Eres el número 3 en la fila; espera aprox.: unos 5 minutos.".to_string()]);

        // In English, and one more in line.
        let r = ch.post_wa(&wa_text("34600777999", "wamid.w2", "I want to talk to a human please")).await;
        assert_eq!(r.status(), StatusCode::OK);
        ch.graph.wait_for(2).await;
        assert_eq!(sent_texts(&ch)[1], "You are number 4 in line; expect about 5 minutes.");
    }
}
