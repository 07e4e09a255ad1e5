use crate::common;

both_databases! {
    async fn health_and_readiness_answer_json(app) {
        let c = app.client();
        let r = c.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["status"], "ok");
        let v: serde_json::Value = c.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["status"], "ready");
        let expected = match app.db { common::Db::Sqlite => "sqlite", common::Db::Postgres => "postgres" };
        assert_eq!(v["database"], expected);
    }
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = common::spawn(common::Db::Sqlite).await.unwrap();
    app.state.store.close().await;
    let r = app.client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let r = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
