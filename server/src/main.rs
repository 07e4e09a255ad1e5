//! `baton`: reads the configuration, sets up logging and runs the server.

#![recursion_limit = "256"]

use server::config::Config;
use server::{startup, telemetry};

#[tokio::main]
async fn main() {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("baton: invalid configuration: {e}");
            std::process::exit(2);
        }
    };
    telemetry::init(&config);
    if config.demo {
        println!("Baton demo mode: http://{}", config.site_addr);
        println!(
            "  admin:    {} / {}",
            app::services::demo::ADMIN_EMAIL,
            app::services::demo::ADMIN_PASSWORD
        );
        println!(
            "  operator: {} / {}",
            app::services::demo::OPERATOR_EMAIL,
            app::services::demo::OPERATOR_PASSWORD
        );
    }
    if let Err(e) = startup::run(config).await {
        tracing::error!("{e}");
        eprintln!("baton: {e}");
        std::process::exit(1);
    }
}
