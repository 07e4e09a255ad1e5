//! Demo mode: two known accounts and a handful of conversations in every owner state, so a fresh
//! install looks like a working day. Everything goes through the same services as real traffic.

use super::conversations::{escalate_at, transition_at};
use super::{now_ms, operators, AppState};
use crate::domain::bot::EscalationReason;
use crate::domain::ownership::{Actor, Transition};
use crate::domain::users::NewAccount;
use crate::dto::Channel;
use crate::error::AppError;
use crate::storage::conversations::NewMessage;

pub const ADMIN_EMAIL: &str = "admin@baton.demo";
pub const ADMIN_PASSWORD: &str = "baton-admin-demo";
pub const OPERATOR_EMAIL: &str = "ana@baton.demo";
pub const OPERATOR_PASSWORD: &str = "baton-operator-demo";

const MIN: i64 = 60_000;

struct Sample {
    channel: Channel,
    external_id: &'static str,
    name: Option<&'static str>,
    phone: Option<&'static str>,
    /// (minutes ago, sender, text)
    lines: &'static [(i64, &'static str, &'static str)],
    end: End,
}

enum End {
    Bot,
    Waiting { minutes_ago: i64, reason: Why },
    WithAna { minutes_ago: i64 },
    Closed,
}

/// Why a sample waits, as the bot would have escalated it.
#[derive(Clone, Copy)]
enum Why {
    Keyword(&'static str),
    NoMatch(u32),
}

impl Why {
    fn reason(self) -> EscalationReason {
        match self {
            Self::Keyword(k) => EscalationReason::Keyword(k.to_string()),
            Self::NoMatch(n) => EscalationReason::NoMatch(n),
        }
    }
}

const SAMPLES: &[Sample] = &[
    Sample {
        channel: Channel::Whatsapp,
        external_id: "5215512345678",
        name: Some("María López"),
        phone: Some("+52 55 1234 5678"),
        lines: &[
            (9, "customer", "Hola, mi pedido #4411 no ha llegado"),
            (9, "bot", "Lo siento. ¿Me das tu número de pedido completo?"),
            (4, "customer", "quiero hablar con un humano"),
            (
                4,
                "bot",
                "Enseguida te comunico con alguien de nuestro equipo.",
            ),
        ],
        end: End::Waiting {
            minutes_ago: 4,
            reason: Why::Keyword("humano"),
        },
    },
    Sample {
        channel: Channel::Telegram,
        external_id: "884213",
        name: Some("Jonas Berg"),
        phone: None,
        lines: &[
            (
                2,
                "customer",
                "Can I change the delivery address after paying?",
            ),
            (1, "customer", "talk to a person please"),
        ],
        end: End::Waiting {
            minutes_ago: 1,
            reason: Why::Keyword("talk to a person"),
        },
    },
    Sample {
        channel: Channel::Web,
        external_id: "visitor-7f3a",
        name: None,
        phone: None,
        lines: &[(
            0,
            "customer",
            "Is the store open on Sunday? Need a refund for a broken item",
        )],
        end: End::Waiting {
            minutes_ago: 0,
            reason: Why::NoMatch(2),
        },
    },
    Sample {
        channel: Channel::Whatsapp,
        external_id: "34600111222",
        name: Some("Lucía Fernández"),
        phone: Some("+34 600 111 222"),
        lines: &[
            (25, "customer", "Necesito factura con otro RFC"),
            (24, "bot", "Te paso con una persona del equipo."),
            (20, "operator", "Hola Lucía, soy Ana. ¿Qué RFC necesitas?"),
            (18, "customer", "XAXX010101000, gracias!"),
        ],
        end: End::WithAna { minutes_ago: 20 },
    },
    Sample {
        channel: Channel::Whatsapp,
        external_id: "447700900123",
        name: Some("Oliver Hughes"),
        phone: Some("+44 7700 900123"),
        lines: &[
            (3, "customer", "What are your opening hours?"),
            (3, "bot", "We are open Monday to Saturday, 9:00 to 19:00."),
        ],
        end: End::Bot,
    },
    Sample {
        channel: Channel::Web,
        external_id: "visitor-19bc",
        name: Some("Priya"),
        phone: None,
        lines: &[
            (12, "customer", "Do you ship to Canada?"),
            (
                12,
                "bot",
                "Yes! Shipping to Canada takes 5–7 business days.",
            ),
        ],
        end: End::Bot,
    },
    Sample {
        channel: Channel::Telegram,
        external_id: "551902",
        name: Some("Carlos Ruiz"),
        phone: None,
        lines: &[
            (180, "customer", "¿Tienen la talla M en azul?"),
            (179, "bot", "Sí, la talla M en azul está disponible."),
            (175, "customer", "Perfecto, gracias"),
        ],
        end: End::Closed,
    },
];

/// (name, triggers, response, priority): a small shop's everyday questions.
const DEMO_SCENARIOS: &[(&str, &str, &str, &str)] = &[
    (
        "Greeting",
        "hola, buenas, hello, hi",
        "¡Hola! Soy el asistente de Casa Lumen. Pregúntame por horarios, envíos o tu pedido.",
        "0",
    ),
    (
        "Opening hours",
        "horario, abren, abierto, hours, open",
        "Abrimos de lunes a sábado, de 9:00 a 19:00. We're open Monday to Saturday, 9:00 to 19:00.",
        "10",
    ),
    (
        "Shipping",
        "envio, enviar, shipping, ship, delivery",
        "Enviamos a todo el país en 2 a 3 días hábiles; gratis desde 50 €.",
        "10",
    ),
    (
        "Order status",
        "re: (pedido|order)\\s*#?\\d+",
        "Gracias, estoy revisando tu pedido. Te confirmo el estado en unos minutos.",
        "20",
    ),
];

/// Creates the demo accounts and conversations unless the database already has accounts.
/// Returns whether anything was created.
pub async fn seed(state: &AppState) -> Result<bool, AppError> {
    if state.store.count_users().await? > 0 {
        return Ok(false);
    }
    let admin = operators::create(
        state,
        NewAccount::parse(ADMIN_EMAIL, "Admin", "admin", "10", ADMIN_PASSWORD)?,
    )
    .await?;
    let ana = operators::create(
        state,
        NewAccount::parse(OPERATOR_EMAIL, "Ana", "operator", "4", OPERATOR_PASSWORD)?,
    )
    .await?;
    operators::create(
        state,
        NewAccount::parse(
            "ben@baton.demo",
            "Ben",
            "operator",
            "3",
            "baton-operator-ben",
        )?,
    )
    .await?;
    for (name, triggers, response, priority) in DEMO_SCENARIOS {
        super::scenarios::save(
            state,
            None,
            &super::scenarios::ScenarioForm {
                name,
                triggers,
                response,
                priority,
                channels: &[],
                enabled: true,
            },
        )
        .await?;
    }
    let who = super::audit::Who {
        id: Some(admin.id),
        email: Some(ADMIN_EMAIL.into()),
        name: Some("Admin".into()),
        ip: None,
    };
    super::scenario_versions::publish(state, &who, "Demo scenarios").await?;
    let now = now_ms();
    for s in SAMPLES {
        let start = now - s.lines.first().map(|l| l.0).unwrap_or(0) * MIN;
        let contact = state
            .store
            .upsert_contact(s.channel, s.external_id, s.name, s.phone, start)
            .await?;
        let conv = state
            .store
            .upsert_conversation(contact, s.channel, start)
            .await?;
        let ana_actor = Actor {
            id: ana.id,
            is_admin: false,
        };
        // Ownership changes in time order with the messages, so history lines sit where they
        // happened.
        let steps: Vec<(i64, Transition, Option<EscalationReason>)> = match s.end {
            End::Bot => vec![],
            End::Waiting {
                minutes_ago,
                reason,
            } => vec![(
                now - minutes_ago * MIN - 30_000,
                Transition::Escalate,
                Some(reason.reason()),
            )],
            End::WithAna { minutes_ago } => {
                let at = now - minutes_ago * MIN;
                vec![
                    (
                        at - MIN,
                        Transition::Escalate,
                        Some(EscalationReason::Keyword("operador".into())),
                    ),
                    (at, Transition::Accept(ana_actor), None),
                ]
            }
            End::Closed => vec![(now - 170 * MIN, Transition::Close(None), None)],
        };
        let mut steps = steps.into_iter().peekable();
        for (ago, sender, text) in s.lines {
            let at = now - ago * MIN - 1000;
            while let Some((when, t, reason)) = steps.next_if(|(when, _, _)| *when <= at) {
                step(state, conv, t, reason, when).await?;
            }
            state
                .store
                .insert_message(&NewMessage {
                    conversation_id: conv,
                    channel: s.channel,
                    sender,
                    author_id: (*sender == "operator").then_some(ana.id),
                    body: text,
                    media_type: None,
                    media_url: None,
                    platform_message_id: None,
                    bot_confidence: (*sender == "bot").then_some(0.82),
                    context_used: None,
                    delivery_status: (*sender != "customer").then_some("delivered"),
                    created_at: at,
                })
                .await?;
            if *sender == "customer" {
                // As ingestion records it: WhatsApp's reply window counts from here.
                state.store.customer_wrote(conv, at).await?;
            }
        }
        for (when, t, reason) in steps {
            step(state, conv, t, reason, when).await?;
        }
    }
    // The samples' messages were written directly: the analytics count them now.
    state.store.analytics_count_history().await?;
    Ok(true)
}

/// One ownership change of a sample: an escalation as the bot would have made it.
async fn step(
    state: &AppState,
    conv: i64,
    t: Transition,
    reason: Option<EscalationReason>,
    when: i64,
) -> Result<(), AppError> {
    match (t, reason) {
        (Transition::Escalate, Some(r)) => escalate_at(state, conv, r, when).await?,
        (t, _) => transition_at(state, conv, t, None, when).await?,
    };
    Ok(())
}
