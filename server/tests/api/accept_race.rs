//! The ownership rule under contention: 20 operators accept the same waiting conversation at
//! once; exactly one wins, the rest are told who has it.

use crate::common::{self, refusal};
use app::domain::ownership::{Actor, OwnerState, Transition};
use app::domain::problem::Problem;
use app::domain::users::Role;
use app::dto::Channel;
use app::error::AppError;
use app::services::conversations::transition;
use reqwest::StatusCode;

async fn waiting_conversation(app: &common::TestApp) -> i64 {
    let now = app::services::now_ms();
    let contact = app
        .state
        .store
        .upsert_contact(Channel::Whatsapp, "5215500000000", Some("Race"), None, now)
        .await
        .unwrap();
    let id = app
        .state
        .store
        .upsert_conversation(contact, Channel::Whatsapp, now)
        .await
        .unwrap();
    transition(&app.state, id, Transition::Escalate, Some("keyword"))
        .await
        .unwrap();
    id
}

both_databases! {
    async fn twenty_concurrent_accepts_have_exactly_one_winner(app) {
        let id = waiting_conversation(&app).await;
        let mut ops = Vec::new();
        for i in 0..20 {
            ops.push(app.user(&format!("op{i}@x.io"), Role::Operator).await);
        }
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(ops.len()));
        let tasks: Vec<_> = ops
            .iter()
            .map(|&op| {
                let (state, barrier) = (app.state.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let actor = Actor { id: op, is_admin: false };
                    (op, transition(&state, id, Transition::Accept(actor), None).await)
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut told = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                (op, Ok(summary)) => {
                    assert_eq!(summary.assignee_id, Some(op));
                    winners.push(op);
                }
                (_, Err(AppError::Conflict(Problem::TakenBy { name }))) => told.push(name),
                (_, Err(e)) => panic!("unexpected error: {e:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one winner");
        // Every loser is told who has it: the winner (users are named after their email).
        let winner_name = app.state.store.user_by_id(winners[0]).await.unwrap().unwrap().display_name;
        assert_eq!(told, vec![Some(winner_name); 19]);
        let stored = app.state.store.ownership(id).await.unwrap().unwrap();
        assert_eq!(stored.ownership.state, OwnerState::Assigned);
        assert_eq!(stored.ownership.assignee, Some(winners[0]));
    }

    async fn two_operators_over_http_one_is_told_who_took_it(app) {
        let id = waiting_conversation(&app).await.to_string();
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = app.signed_in("ben@x.io", Role::Operator).await;
        let form = [("id", id.as_str())];
        let (a, b) = tokio::join!(
            app.call(&ana, "conversations/accept", &form),
            app.call(&ben, "conversations/accept", &form)
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        let loser = if a.status() == StatusCode::CONFLICT { a } else { b };
        let words = refusal(loser).await;
        assert!(words == "Taken by ana" || words == "Taken by ben", "{words}");
    }
}
