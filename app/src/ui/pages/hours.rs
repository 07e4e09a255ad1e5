//! Settings, admins only: business hours (time zone, weekly schedule, closed dates, the
//! out-of-hours reply, paging anyway) and satisfaction surveys. Part of the lazily loaded
//! Settings page.

use super::settings::save_status;
use crate::api::settings::{get_business_hours, get_csat, SaveBusinessHours, SaveCsat};
use crate::domain::csat::{CsatSettings, Scale};
use crate::domain::hours::{day_text, BusinessHours};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// The cards' actions and resources, made at the top of the page (the resource rule in
/// `ui::layout`: nothing is created inside a `Suspense`).
#[derive(Clone, Copy)]
pub struct HoursEditing {
    save: ServerAction<SaveBusinessHours>,
    hours: Resource<Result<BusinessHours, AppError>>,
    save_csat: ServerAction<SaveCsat>,
    csat: Resource<Result<CsatSettings, AppError>>,
}

impl HoursEditing {
    pub fn for_page() -> Self {
        let save = ServerAction::<SaveBusinessHours>::new();
        let saved = super::successes(save.version(), save.value());
        let hours = Resource::new(move || saved.get(), |_| get_business_hours());
        let save_csat = ServerAction::<SaveCsat>::new();
        let csat_saved = super::successes(save_csat.version(), save_csat.value());
        let csat = Resource::new(move || csat_saved.get(), |_| get_csat());
        Self {
            save,
            hours,
            save_csat,
            csat,
        }
    }

    /// Keeps the server's render until both cards' data is in (see `super::settle`).
    pub fn settle(self) -> impl IntoView {
        (super::settle(self.hours), super::settle(self.csat))
    }
}

/// The `Business hours` and `Customer satisfaction` cards.
#[component]
pub fn HoursSections(editing: HoursEditing) -> impl IntoView {
    let HoursEditing {
        save,
        hours,
        save_csat,
        csat,
    } = editing;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match hours.await {
                    Ok(h) => view! { <HoursForm h save/> }.into_any(),
                    Err(e) => super::load_error(&e),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match csat.await {
                    Ok(c) => view! { <CsatForm c save=save_csat/> }.into_any(),
                    Err(e) => super::load_error(&e),
                }
            })}
        </Transition>
    }
}

#[component]
fn HoursForm(h: BusinessHours, save: ServerAction<SaveBusinessHours>) -> impl IntoView {
    let err = move |field: &'static str| super::field_error(save.value(), field);
    let i18n = use_i18n();
    let status = save_status(save.value(), move || t_string!(i18n, hours.saved));
    let day_name = move |i: usize| match i {
        0 => t_string!(i18n, hours.days.mon),
        1 => t_string!(i18n, hours.days.tue),
        2 => t_string!(i18n, hours.days.wed),
        3 => t_string!(i18n, hours.days.thu),
        4 => t_string!(i18n, hours.days.fri),
        5 => t_string!(i18n, hours.days.sat),
        _ => t_string!(i18n, hours.days.sun),
    };
    const FIELDS: [&str; 7] = ["day0", "day1", "day2", "day3", "day4", "day5", "day6"];
    let days = (0..7)
        .map(|i| {
            let value = day_text(&h.week[i]);
            view! {
                <label class="field hours-day">
                    <span>{move || day_name(i)}</span>
                    <input type="text" name=FIELDS[i] value=value inputmode="text"
                        autocomplete="off" placeholder="09:00-18:00"/>
                    {err(FIELDS[i])}
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="hours-title">
            <h2 id="hours-title">{t!(i18n, hours.title)}</h2>
            <p class="muted">{t!(i18n, hours.intro)}</p>
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <label class="field">
                    <span>{t!(i18n, hours.time_zone)}</span>
                    <input type="text" name="time_zone" value=h.time_zone.clone()
                        autocomplete="off" autocapitalize="off" spellcheck="false"/>
                    <span class="hint">{t!(i18n, hours.time_zone_hint)}</span>
                    {err("time_zone")}
                </label>
                <fieldset class="hours-week">
                    <legend>{t!(i18n, hours.schedule)}</legend>
                    <p class="hint">{t!(i18n, hours.schedule_hint)}</p>
                    {days}
                </fieldset>
                <label class="field">
                    <span>{t!(i18n, hours.closed_dates)}</span>
                    <textarea name="closed_dates" rows="3">{h.closed_dates.join("\n")}</textarea>
                    <span class="hint">{t!(i18n, hours.closed_dates_hint)}</span>
                    {err("closed_dates")}
                </label>
                <label class="field">
                    <span>{t!(i18n, hours.reply_es)}</span>
                    <textarea name="out_of_hours" rows="2">{h.out_of_hours.clone()}</textarea>
                    {err("out_of_hours")}
                </label>
                <label class="field">
                    <span>{t!(i18n, hours.reply_en)}</span>
                    <textarea name="out_of_hours_en" rows="2">{h.out_of_hours_en.clone()}</textarea>
                    {err("out_of_hours_en")}
                </label>
                <label class="check">
                    <input type="checkbox" name="page_anyway" value="true" checked=h.page_anyway/>
                    <span>{t!(i18n, hours.page_anyway)}</span>
                </label>
                <p class="hint">{t!(i18n, hours.page_anyway_hint)}</p>
                {status}
                <button type="submit" class="btn primary">{t!(i18n, hours.save)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn CsatForm(c: CsatSettings, save: ServerAction<SaveCsat>) -> impl IntoView {
    let err = move |field: &'static str| super::field_error(save.value(), field);
    let i18n = use_i18n();
    let status = save_status(save.value(), move || t_string!(i18n, csat.saved));
    let thumbs = c.scale == Scale::Thumbs;
    view! {
        <section class="card" aria-labelledby="csat-title">
            <h2 id="csat-title">{t!(i18n, csat.title)}</h2>
            <p class="muted">{t!(i18n, csat.intro)}</p>
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <label class="check">
                    <input type="checkbox" name="enabled" value="true" checked=c.enabled/>
                    <span>{t!(i18n, csat.enabled)}</span>
                </label>
                <label class="field">
                    <span>{t!(i18n, csat.scale)}</span>
                    <select name="scale" prop:value=c.scale.as_str()>
                        <option value="stars" selected=!thumbs>{t!(i18n, csat.stars)}</option>
                        <option value="thumbs" selected=thumbs>{t!(i18n, csat.thumbs)}</option>
                    </select>
                    {err("scale")}
                </label>
                <label class="field">
                    <span>{t!(i18n, csat.question_es)}</span>
                    <input type="text" name="question" value=c.question.clone()/>
                    {err("question")}
                </label>
                <label class="field">
                    <span>{t!(i18n, csat.question_en)}</span>
                    <input type="text" name="question_en" value=c.question_en.clone()/>
                    {err("question_en")}
                </label>
                {status}
                <button type="submit" class="btn primary">{t!(i18n, csat.save)}</button>
            </ActionForm>
        </section>
    }
}
