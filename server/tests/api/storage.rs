//! The storage suite: the same assertions against SQLite and PostgreSQL.

use crate::common::{self, TEST_PASSWORD};
use app::domain::ownership::{OwnerState, Ownership};
use app::domain::users::Role;
use app::dto::Channel;
use app::storage::bot::{BotTurn, IncomingRow, Ingested, TurnWritten};
use app::storage::chat::GroupQuery;
use app::storage::conversations::{NewMessage, OwnershipChange};
use app::storage::users::NewUser;
use app::storage::StoreError;

fn message<'a>(
    conversation_id: i64,
    platform_id: Option<&'a str>,
    body: &'a str,
    at: i64,
) -> NewMessage<'a> {
    NewMessage {
        conversation_id,
        channel: Channel::Whatsapp,
        sender: "customer",
        author_id: None,
        body,
        media_type: None,
        media_url: None,
        platform_message_id: platform_id,
        bot_confidence: None,
        context_used: None,
        delivery_status: None,
        created_at: at,
    }
}

fn incoming<'a>(who: &'a str, id: &'a str) -> IncomingRow<'a> {
    IncomingRow {
        channel: Channel::Whatsapp,
        external_id: who,
        contact_name: None,
        phone: None,
        account: None,
        platform_message_id: id,
        body: "hola",
        media_type: None,
        media_id: None,
        media_state: None,
        media_mime: None,
        media_name: None,
        transcript_state: None,
        now: 10,
        customer_at: 10,
        processed: false,
    }
}

/// The bot's turn on `m` that says nothing (a person has its conversation), decided at `version`.
fn silent_turn(m: Ingested, version: i64) -> BotTurn<'static> {
    BotTurn {
        message_id: m.message_id,
        conversation_id: m.conversation_id,
        expected_version: version,
        unmatched_before: 0,
        unmatched_count: 0,
        reply: None,
        ownership: None,
        scenario_version: None,
        outcome: None,
    }
}

both_databases! {
    async fn emails_are_unique(app) {
        let s = &app.state.store;
        let u = NewUser { email: "a@x.io", display_name: "A", password_hash: TEST_PASSWORD, role: Role::Operator, max_conversations: 2 };
        s.create_user(&u, 1).await.unwrap();
        assert!(matches!(s.create_user(&u, 2).await, Err(StoreError::Duplicate("email"))));
        let row = s.user_by_email("a@x.io").await.unwrap().unwrap();
        assert_eq!((row.role(), row.active, row.max_conversations), (Role::Operator, true, 2));
    }

    async fn sessions_expire_and_die_with_deactivation(app) {
        let s = &app.state.store;
        let id = app.user("a@x.io", Role::Operator).await;
        s.create_session("h1", id, 0, 1_000).await.unwrap();
        s.create_session("h2", id, 0, i64::MAX).await.unwrap();
        assert!(s.session_user("h1", 999).await.unwrap().is_some());
        assert!(s.session_user("h1", 1_000).await.unwrap().is_none(), "expired");
        assert_eq!(s.delete_expired_sessions(5_000).await.unwrap(), 1);
        s.set_user_active(id, false, 10).await.unwrap();
        assert!(s.session_user("h2", 11).await.unwrap().is_none());
        s.set_user_active(id, true, 12).await.unwrap();
        assert!(s.session_user("h2", 13).await.unwrap().is_none(), "deactivation deleted the session");
    }

    async fn contacts_and_conversations_are_got_or_created(app) {
        let s = &app.state.store;
        let a = s.upsert_contact(Channel::Telegram, "42", Some("Eve"), None, 1).await.unwrap();
        let b = s.upsert_contact(Channel::Telegram, "42", None, Some("+1 555"), 2).await.unwrap();
        let other = s.upsert_contact(Channel::Whatsapp, "42", None, None, 3).await.unwrap();
        assert_eq!(a, b);
        assert_ne!(a, other);
        let c1 = s.upsert_conversation(a, Channel::Telegram, 1).await.unwrap();
        let c2 = s.upsert_conversation(a, Channel::Telegram, 2).await.unwrap();
        assert_eq!(c1, c2);
        let summary = s.conversation_summary(c1).await.unwrap().unwrap();
        assert_eq!(summary.contact_name, "Eve", "the name survives a later upsert without one");
        assert_eq!(summary.owner, OwnerState::Bot);
        assert!(summary.ai_enabled);
    }

    async fn a_platform_message_id_is_stored_once_per_channel(app) {
        let s = &app.state.store;
        let ct = s.upsert_contact(Channel::Whatsapp, "1", None, None, 1).await.unwrap();
        let conv = s.upsert_conversation(ct, Channel::Whatsapp, 1).await.unwrap();
        assert!(s.insert_message(&message(conv, Some("wamid.A"), "hola", 10)).await.unwrap().is_some());
        assert!(s.insert_message(&message(conv, Some("wamid.A"), "hola", 11)).await.unwrap().is_none());
        // Messages without a platform id never collide.
        assert!(s.insert_message(&message(conv, None, "one", 12)).await.unwrap().is_some());
        assert!(s.insert_message(&message(conv, None, "two", 13)).await.unwrap().is_some());
        let summary = s.conversation_summary(conv).await.unwrap().unwrap();
        assert_eq!((summary.preview.as_str(), summary.last_message_at), ("two", 13));
    }

    async fn an_ownership_change_applies_only_at_the_version_it_was_read(app) {
        let s = &app.state.store;
        let op = app.user("a@x.io", Role::Operator).await;
        let ct = s.upsert_contact(Channel::Web, "v1", None, None, 1).await.unwrap();
        let conv = s.upsert_conversation(ct, Channel::Web, 1).await.unwrap();
        let read = s.ownership(conv).await.unwrap().unwrap();
        let data = app::domain::history::SystemLine::new("escalated", None, None)
            .because(Some(app::domain::history::Why::Text("keyword \"agent\"".into())));
        let line_data = data.to_json();
        let change = |version, next| OwnershipChange {
            conversation_id: conv, expected_version: version, next, ai_enabled: Some(false),
            event_kind: "escalated", actor_id: None, target_id: None, reason: Some("keyword \"agent\""), escalation: Some("keyword"), confidence: None, history_line: "Escalated: keyword \"agent\"", system_line: &line_data, queue: None, now: 50,
        };
        let waiting = Ownership { state: OwnerState::Waiting, assignee: None };
        let line = s.apply_ownership(&change(read.version, waiting)).await.unwrap().expect("applied");
        assert!(s.apply_ownership(&change(read.version, waiting)).await.unwrap().is_none(), "stale version refused");
        let shown = s.message(line).await.unwrap().unwrap();
        assert_eq!((shown.sender, shown.body.as_str()), (app::dto::Sender::System, "Escalated: keyword \"agent\""));
        assert_eq!(shown.system_line, Some(data), "the line is kept as data for each reader to word");
        let (page, more) = s.message_page(conv, None, 50).await.unwrap();
        assert_eq!((page.len(), more), (1, false), "one history line, nothing else");
        assert_eq!(s.conversation_summary(conv).await.unwrap().unwrap().preview, "", "history lines are not previews");
        let now = s.ownership(conv).await.unwrap().unwrap();
        assert_eq!(now.version, read.version + 1);
        assert!(!now.ai_enabled);
        let summary = s.conversation_summary(conv).await.unwrap().unwrap();
        assert_eq!((summary.waiting_since, summary.escalation_reason.as_deref()), (Some(50), Some("keyword")));
        let assigned = Ownership { state: OwnerState::Assigned, assignee: Some(op) };
        assert!(s.apply_ownership(&change(now.version, assigned)).await.unwrap().is_some());
        let summary = s.conversation_summary(conv).await.unwrap().unwrap();
        assert_eq!((summary.owner, summary.assignee_id, summary.waiting_since), (OwnerState::Assigned, Some(op), None));
    }

    async fn a_group_commit_stores_each_platform_id_once_and_answers_each_row(app) {
        let s = &app.state.store;
        let batch = [incoming("7", "wamid.g1"), incoming("7", "wamid.g1"), incoming("8", "wamid.g2"), incoming("7", "wamid.g3")];
        let stored = s.ingest_customer_messages(&batch).await.unwrap();
        assert_eq!(stored.iter().map(Option::is_some).collect::<Vec<_>>(), vec![true, false, true, true]);
        let (first, third) = (stored[0].unwrap(), stored[3].unwrap());
        assert_eq!(first.conversation_id, third.conversation_id, "one conversation per contact");
        assert_ne!(first.conversation_id, stored[2].unwrap().conversation_id);
        // A later batch meets the unique index.
        let later = s.ingest_customer_messages(&[incoming("8", "wamid.g2"), incoming("9", "wamid.g4")]).await.unwrap();
        assert_eq!(later.iter().map(Option::is_some).collect::<Vec<_>>(), vec![false, true]);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM messages WHERE platform_message_id LIKE 'wamid.g%'").await, 4);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM conversations").await, 3);
    }

    async fn a_batch_keeps_arrival_order_and_each_conversations_latest_details(app) {
        let s = &app.state.store;
        let first = IncomingRow { body: "first", contact_name: Some("Ana"), customer_at: 30, ..incoming("5", "wamid.o1") };
        let second = IncomingRow { body: "second", account: Some("acct-1"), customer_at: 20, ..incoming("5", "wamid.o3") };
        let stored = s.ingest_customer_messages(&[first, incoming("6", "wamid.o2"), second]).await.unwrap();
        let (a, b) = (stored[0].unwrap(), stored[2].unwrap());
        assert_eq!(a.conversation_id, b.conversation_id);
        assert!(a.message_id < b.message_id, "a conversation's messages are numbered in arrival order: {stored:?}");
        let conv = a.conversation_id;
        assert_eq!(s.conversation_summary(conv).await.unwrap().unwrap().preview, "second", "the last message is the preview");
        assert_eq!(app.scalar(&format!("SELECT last_customer_at FROM conversations WHERE id = {conv}")).await, 30, "the newest customer time counts, not the last row's");
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM conversations WHERE id = {conv} AND channel_account = 'acct-1'")).await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM contacts WHERE external_id = '5' AND name = 'Ana'").await, 1, "a row without a name keeps the known one");
    }

    async fn a_bot_turn_lands_only_at_the_version_decided_on_and_only_once(app) {
        app.stop_workers(); // this test plays the bot itself
        let s = &app.state.store;
        let a = s.ingest_customer_message(&incoming("1", "wamid.a")).await.unwrap().unwrap();
        let b = s.ingest_customer_message(&incoming("2", "wamid.b")).await.unwrap().unwrap();
        let ctx = s.bot_contexts(&[a.conversation_id, b.conversation_id]).await.unwrap();
        let turn = |m: Ingested, version: i64| BotTurn {
            message_id: m.message_id, conversation_id: m.conversation_id, expected_version: version,
            unmatched_before: 0, unmatched_count: 1,
            reply: Some(NewMessage { sender: "bot", delivery_status: Some("sending"), ..message(m.conversation_id, None, "¿Perdón?", 20) }),
            ownership: None, scenario_version: None, outcome: None,
        };
        let (va, vb) = (ctx[&a.conversation_id].version, ctx[&b.conversation_id].version);
        // b's conversation moved on (say, an operator took it) after the bot read it.
        let written = s.finish_bot_turns(&[turn(a, va), turn(b, vb - 1)]).await.unwrap();
        assert!(matches!(written[0], TurnWritten::Done { reply_id: Some(_), .. }), "{written:?}");
        assert_eq!(written[1], TurnWritten::Moved);
        let pending: Vec<i64> = s.pending_customer_messages(10).await.unwrap().iter().map(|m| m.id).collect();
        assert_eq!(pending, vec![b.message_id], "the moved turn is decided again");
        let outbox = "SELECT COUNT(*) FROM outbox";
        assert_eq!(app.scalar(outbox).await, 1, "only the landed turn queued a reply");
        assert_eq!(app.scalar(&format!("SELECT unmatched_count FROM conversations WHERE id = {}", b.conversation_id)).await, 0);

        assert_eq!(app.scalar(&format!("SELECT unmatched_count FROM conversations WHERE id = {}", a.conversation_id)).await, 1);

        // A second worker that decided on the same message finds it taken: nothing is written,
        // not even its idea of the no-match streak.
        assert_eq!(s.finish_bot_turns(&[BotTurn { unmatched_count: 5, ..turn(a, va) }]).await.unwrap(), vec![TurnWritten::Taken]);
        assert_eq!(app.scalar(outbox).await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM messages WHERE sender = 'bot'").await, 1);
        assert_eq!(app.scalar(&format!("SELECT unmatched_count FROM conversations WHERE id = {}", a.conversation_id)).await, 1);
    }

    async fn only_a_turn_that_speaks_or_writes_waits_for_its_conversations_row(app) {
        // Row locks are PostgreSQL's: SQLite has one writer, which holds the whole database.
        if app.db != common::Db::Postgres {
            return;
        }
        app.stop_workers(); // this test plays the bot itself
        let s = &app.state.store;
        let [a, b, c] = [
            s.ingest_customer_message(&incoming("1", "wamid.a")).await.unwrap().unwrap(),
            s.ingest_customer_message(&incoming("1", "wamid.b")).await.unwrap().unwrap(),
            s.ingest_customer_message(&incoming("1", "wamid.c")).await.unwrap().unwrap(),
        ];
        let version = s.bot_contexts(&[a.conversation_id]).await.unwrap()[&a.conversation_id].version;
        let turn = |m: Ingested| silent_turn(m, version);
        // The conversation's first round (which starts its analytics stretch, a write).
        let done = TurnWritten::Done { reply_id: None, line_ids: vec![] };
        assert_eq!(s.finish_bot_turns(&[turn(a)]).await.unwrap(), vec![done.clone()]);
        // Someone else (the webhooks' ingestion, say) holds the conversation's row.
        use sqlx::Connection;
        let mut other = sqlx::PgConnection::connect(app.database_url()).await.unwrap();
        let mut held = other.begin().await.unwrap();
        sqlx::query(&format!("UPDATE conversations SET updated_at = updated_at WHERE id = {}", a.conversation_id))
            .execute(&mut *held).await.unwrap();
        let patience = std::time::Duration::from_secs(5);
        // A silent turn (a person has the conversation) lands without waiting for that row.
        let silent = tokio::time::timeout(patience, s.finish_bot_turns(&[turn(b)])).await;
        assert_eq!(silent.expect("a silent turn waited for a row it does not write").unwrap(), vec![done]);
        // A turn that speaks waits until the row is free, then lands.
        let speaks = BotTurn {
            reply: Some(NewMessage { sender: "bot", delivery_status: Some("sending"), ..message(c.conversation_id, None, "Hola", 20) }),
            ..turn(c)
        };
        let mut speaking = Box::pin(s.finish_bot_turns(std::slice::from_ref(&speaks)));
        assert!(tokio::time::timeout(std::time::Duration::from_millis(300), &mut speaking).await.is_err(),
                "a reply must not land while someone else holds its conversation");
        held.commit().await.unwrap();
        let written = tokio::time::timeout(patience, speaking).await.unwrap().unwrap();
        assert!(matches!(written[0], TurnWritten::Done { reply_id: Some(_), .. }), "{written:?}");
    }

    async fn bot_turns_side_by_side_count_their_hour_without_waiting_for_each_other(app) {
        // Row locks are PostgreSQL's: SQLite has one writer, which holds the whole database.
        if app.db != common::Db::Postgres {
            return;
        }
        app.stop_workers(); // this test plays the bot itself
        let s = &app.state.store;
        let first = s.ingest_customer_message(&incoming("41", "wamid.h1")).await.unwrap().unwrap();
        let second = s.ingest_customer_message(&incoming("42", "wamid.h2")).await.unwrap().unwrap();
        let ctx = s.bot_contexts(&[first.conversation_id, second.conversation_id]).await.unwrap();
        let turn = |m: Ingested| silent_turn(m, ctx[&m.conversation_id].version);
        let done = TurnWritten::Done { reply_id: None, line_ids: vec![] };
        assert_eq!(s.finish_bot_turns(&[turn(first)]).await.unwrap(), vec![done.clone()]);
        // Another transaction is counting that hour (an escalation in its last write, say): it
        // holds the hour's count that the first turn wrote.
        use sqlx::Connection;
        let mut other = sqlx::PgConnection::connect(app.database_url()).await.unwrap();
        let mut counting = other.begin().await.unwrap();
        let held = sqlx::query("SELECT hour FROM analytics_hours WHERE hour = 0 FOR UPDATE")
            .fetch_all(&mut *counting).await.unwrap();
        assert_eq!(held.len(), 1, "the first turn counted its message");
        let landed = tokio::time::timeout(std::time::Duration::from_secs(5),
                                          s.finish_bot_turns(&[turn(second)])).await;
        assert_eq!(landed.expect("a bot turn waited for another transaction's count of its hour").unwrap(),
                   vec![done]);
        counting.commit().await.unwrap();
        let hour = app::domain::analytics::Period { from: 0, to: app::domain::analytics::HOUR_MS, offset: 0 };
        assert_eq!(s.analytics_messages(hour, None).await.unwrap(), (2, 0), "both messages counted");
    }

    async fn a_rounds_replies_are_written_together_each_to_its_own_turn(app) {
        app.stop_workers(); // this test plays the bot itself
        let s = &app.state.store;
        let mut ins = Vec::new();
        for (who, id) in [("31", "wamid.r1"), ("32", "wamid.r2"), ("33", "wamid.r3")] {
            ins.push(s.ingest_customer_message(&incoming(who, id)).await.unwrap().unwrap());
        }
        let ids: Vec<i64> = ins.iter().map(|m| m.conversation_id).collect();
        let ctx = s.bot_contexts(&ids).await.unwrap();
        let bodies = ["reply one", "reply two", "reply three"];
        // Turns in an order other than the conversations' (the round's order is the messages').
        let turns: Vec<BotTurn> = [2, 0, 1].iter().map(|&i| {
            let m = ins[i];
            BotTurn {
                message_id: m.message_id, conversation_id: m.conversation_id,
                expected_version: ctx[&m.conversation_id].version,
                unmatched_before: 0, unmatched_count: i as i64,
                reply: (i != 1).then(|| NewMessage { sender: "bot", delivery_status: Some("sending"),
                    ..message(m.conversation_id, None, bodies[i], 40 + i as i64) }),
                ownership: None, scenario_version: Some(7 + i as i64), outcome: Some("scenario:1".into()),
            }
        }).collect();
        let written = s.finish_bot_turns(&turns).await.unwrap();
        for (t, w) in turns.iter().zip(&written) {
            let TurnWritten::Done { reply_id, .. } = w else { panic!("{written:?}") };
            let conv = t.conversation_id;
            let i = ins.iter().position(|m| m.conversation_id == conv).unwrap();
            let summary = s.conversation_summary(conv).await.unwrap().unwrap();
            assert_eq!(app.scalar(&format!("SELECT unmatched_count FROM conversations WHERE id = {conv}")).await, i as i64);
            let Some(reply) = reply_id else {
                assert_eq!(i, 1, "only the silent turn has no reply: {written:?}");
                assert_eq!(summary.preview, "hola");
                continue;
            };
            let at = |col: &str| format!("SELECT COUNT(*) FROM messages WHERE id = {reply} AND conversation_id = {conv} AND {col}");
            assert_eq!(app.scalar(&at(&format!("body = '{}'", bodies[i]))).await, 1, "turn {i} got its own reply id");
            assert_eq!(app.scalar(&at(&format!("scenario_version = {}", 7 + i))).await, 1);
            assert_eq!(summary.preview, bodies[i], "the reply is the conversation's latest message");
            assert_eq!(app.scalar(&format!("SELECT last_message_at FROM conversations WHERE id = {conv}")).await, 40 + i as i64);
        }
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 2, "one send per reply");
    }

    async fn the_queue_lists_the_longest_waiting_first(app) {
        let s = &app.state.store;
        for (i, waited_since) in [(1, 300), (2, 100), (3, 200)] {
            let ct = s.upsert_contact(Channel::Web, &format!("v{i}"), Some(&format!("c{i}")), None, 1).await.unwrap();
            let conv = s.upsert_conversation(ct, Channel::Web, 1).await.unwrap();
            let v = s.ownership(conv).await.unwrap().unwrap().version;
            s.apply_ownership(&OwnershipChange {
                conversation_id: conv, expected_version: v, next: Ownership { state: OwnerState::Waiting, assignee: None },
                ai_enabled: None, event_kind: "escalated", actor_id: None, target_id: None, reason: None, escalation: None, confidence: None, history_line: "Escalated", system_line: &app::domain::history::SystemLine::new("escalated", None, None).to_json(), queue: None, now: waited_since,
            }).await.unwrap();
        }
        let q = GroupQuery { state: OwnerState::Waiting, search: None, assignee: None, limit: 10, offset: 0 };
        let names: Vec<String> = s.conversation_group(&q).await.unwrap().into_iter().map(|c| c.contact_name).collect();
        assert_eq!(names, ["c2", "c3", "c1"]);
        assert_eq!(s.count_by_owner().await.unwrap(), vec![(OwnerState::Waiting, 3)]);
    }

    async fn ingestion_finds_redeliveries_by_index_however_fast_the_table_grew(app) {
        // A PostgreSQL planning matter: SQLite plans every statement afresh.
        if app.db != common::Db::Postgres {
            return;
        }
        app.stop_workers(); // only ingestion reads the messages table here
        let s = &app.state.store;
        let first = s.ingest_customer_message(&incoming("1", "wamid.0")).await.unwrap().unwrap();
        // Many batches while the table is tiny (a prepared statement would settle on a plan
        // costed for this size on every pooled connection)...
        for i in 1..40 {
            s.ingest_customer_message(&incoming("1", &format!("wamid.{i}"))).await.unwrap().unwrap();
        }
        // ...then the table grows at once (a burst, faster than statistics follow)...
        app.exec(&format!(
            "INSERT INTO messages (conversation_id, channel, sender, body, created_at, platform_message_id) \
             SELECT {}, 'whatsapp', 'customer', 'x', 1, 'bulk.' || g FROM generate_series(1, 20000) g",
            first.conversation_id)).await;
        // ...and every later batch still checks its platform ids by index, never by reading
        // the whole table.
        for i in 40..60 {
            s.ingest_customer_message(&incoming("1", &format!("wamid.{i}"))).await.unwrap().unwrap();
        }
        // A server process reports what it read when it ends: end the app's connections.
        s.close().await;
        let others = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
        for _ in 0..100 {
            if app.scalar(others).await <= 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let read = app.scalar("SELECT COALESCE(seq_tup_read, 0) FROM pg_stat_user_tables WHERE relname = 'messages'").await;
        assert!(read < 20_000, "ingestion scanned {read} stored messages looking for redeliveries instead of using the index");
    }

    async fn the_bot_group_lists_the_newest_last_message_first(app) {
        app.stop_workers(); // the bot would move these conversations on
        let s = &app.state.store;
        // (contact, when its last message came): minutes apart and within one minute.
        for (who, id, now) in [("a", "wamid.a", 61_000), ("b", "wamid.b", 119_000), ("c", "wamid.c", 125_000), ("d", "wamid.d", 61_000)] {
            s.ingest_customer_message(&IncomingRow { now, customer_at: now, contact_name: Some(who), ..incoming(who, id) }).await.unwrap().unwrap();
        }
        let q = GroupQuery { state: OwnerState::Bot, search: None, assignee: None, limit: 10, offset: 0 };
        let order: Vec<String> = s.conversation_group(&q).await.unwrap().into_iter().map(|c| c.contact_name).collect();
        assert_eq!(order, ["c", "b", "d", "a"], "newest first; the same moment, the newer conversation first");
        let page: Vec<String> = s.conversation_group(&GroupQuery { limit: 2, offset: 1, ..q }).await.unwrap()
            .into_iter().map(|c| c.contact_name).collect();
        assert_eq!(page, ["b", "d"]);
        if app.db == common::Db::Postgres {
            // A customer message's update of its conversation stays heap-only (no index entries
            // written) only while no index holds the last message's time itself.
            let indexed = app.scalar("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'conversations' \
                                      AND indexdef LIKE '%last_message_at%'").await;
            assert_eq!(indexed, 0, "an index on conversations.last_message_at makes every ingest write every index");
        }
    }

    async fn demo_data_covers_every_owner_state(app) {
        assert!(app::services::demo::seed(&app.state).await.unwrap());
        assert!(!app::services::demo::seed(&app.state).await.unwrap(), "seeding twice adds nothing");
        let counts = app.state.store.count_by_owner().await.unwrap();
        for s in OwnerState::ALL {
            assert!(counts.iter().any(|(o, n)| *o == s && *n > 0), "no {s} conversation");
        }
        let _ = common::Db::Sqlite;
    }
}
