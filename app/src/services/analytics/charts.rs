//! The analytics charts, drawn on the server as SVG with plotters (so they show without
//! JavaScript and never weigh on the browser bundle). Each is a fixed viewBox scaled to the page's
//! width, with a title for screen readers and labels in the reader's language.

use crate::domain::analytics::{parse_day, DayRow};
use crate::i18n::*;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

const W: u32 = 480;
const H: u32 = 280;
const FONT: u32 = 20;
const BOT: RGBColor = RGBColor(37, 99, 235);
const PERSON: RGBColor = RGBColor(234, 88, 12);
const AXIS: RGBColor = RGBColor(55, 65, 81);

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// The finished document: plotters' drawing under a start tag that scales with the page and
/// names the chart (`role="img"`, `aria-label`, `<title>`).
fn document(body: &str, title: &str, height: u32) -> String {
    let title = escape(title);
    let inner = body
        .find('>')
        .map(|i| &body[i + 1..])
        .unwrap_or(body)
        .trim_start();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {height}\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"{title}\" \
         class=\"chart-svg\"><title>{title}</title>{inner}"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A day's short label in the reader's order ("12/7", "7/12").
fn short_day(l: Locale, day: &str) -> String {
    let Some(n) = parse_day(day) else {
        return day.to_string();
    };
    let iso = crate::domain::analytics::format_day(n);
    let (m, d) = (&iso[5..7], &iso[8..10]);
    let (m, d) = (m.trim_start_matches('0'), d.trim_start_matches('0'));
    match l {
        Locale::es => format!("{d}/{m}"),
        _ => format!("{m}/{d}"),
    }
}

/// The series' legend, top left.
fn legend<'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", FONT).into_font().color(&AXIS))
        .background_style(WHITE.mix(0.85))
        .border_style(AXIS.mix(0.3))
        .draw()?;
    Ok(())
}

fn draw(height: u32, title: &str, paint: impl FnOnce(&mut String) -> Drawn) -> String {
    let mut svg = String::new();
    if let Err(e) = paint(&mut svg) {
        // Never expected (an SVG into a string); the page still shows its tables.
        tracing::warn!(error = %e, "analytics chart not drawn");
        return String::new();
    }
    document(&svg, title, height)
}

/// Conversations per day, stacked: resolved by the bot (below) and handed to a person.
pub fn conversations(l: Locale, days: &[DayRow]) -> String {
    let title = td_string!(l, analytics.charts.conversations);
    draw(H, title, |svg| {
        let root = SVGBackend::with_string(svg, (W, H)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = days.len().max(1) as u32;
        let top = days
            .iter()
            .map(|d| d.conversations)
            .max()
            .unwrap_or(0)
            .max(1) as u32;
        let top = top + top.div_ceil(10);
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(52)
            .build_cartesian_2d((0u32..n).into_segmented(), 0u32..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(7)
            .y_labels(5)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => days
                    .get(*i as usize)
                    .map(|d| short_day(l, &d.day))
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .x_desc(td_string!(l, analytics.charts.day))
            .y_desc(td_string!(l, analytics.charts.count))
            .label_style(("sans-serif", FONT).into_font().color(&AXIS))
            .axis_desc_style(("sans-serif", FONT).into_font().color(&AXIS))
            .draw()?;
        let bar = |i: usize, from: i64, to: i64, c: RGBColor| {
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(i as u32), from as u32),
                    (SegmentValue::Exact(i as u32 + 1), to as u32),
                ],
                c.filled(),
            );
            r.set_margin(0, 0, 2, 2);
            r
        };
        chart
            .draw_series(
                days.iter()
                    .enumerate()
                    .map(|(i, d)| bar(i, 0, d.conversations - d.handed_off, BOT)),
            )?
            .label(td_string!(l, analytics.charts.bot_resolved))
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], BOT.filled()));
        chart
            .draw_series(
                days.iter()
                    .enumerate()
                    .map(|(i, d)| bar(i, d.conversations - d.handed_off, d.conversations, PERSON)),
            )?
            .label(td_string!(l, analytics.charts.handed_off))
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], PERSON.filled()));
        legend(&mut chart)?;
        root.present()?;
        Ok(())
    })
}

/// Waiting time per day in minutes: the median and the 90th percentile.
pub fn waits(l: Locale, days: &[DayRow]) -> String {
    let title = td_string!(l, analytics.charts.waits);
    draw(H, title, |svg| {
        let root = SVGBackend::with_string(svg, (W, H)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = days.len().max(1);
        let minutes = |v: Option<i64>| v.map(|ms| ms as f64 / 60_000.0);
        let top = days
            .iter()
            .filter_map(|d| minutes(d.wait_p90))
            .fold(1.0f64, f64::max)
            * 1.15;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..n as f64, 0f64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(7)
            .y_labels(5)
            .x_label_formatter(&|x| {
                days.get(x.floor().max(0.0) as usize)
                    .map(|d| short_day(l, &d.day))
                    .unwrap_or_default()
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_desc(td_string!(l, analytics.charts.day))
            .y_desc(td_string!(l, analytics.charts.minutes))
            .label_style(("sans-serif", FONT).into_font().color(&AXIS))
            .axis_desc_style(("sans-serif", FONT).into_font().color(&AXIS))
            .draw()?;
        let points = |pick: fn(&DayRow) -> Option<i64>| -> Vec<(f64, f64)> {
            days.iter()
                .enumerate()
                .filter_map(|(i, d)| minutes(pick(d)).map(|m| (i as f64 + 0.5, m)))
                .collect()
        };
        for (pick, color, label) in [
            (
                (|d: &DayRow| d.wait_median) as fn(&DayRow) -> Option<i64>,
                BOT,
                td_string!(l, analytics.charts.median),
            ),
            (
                |d: &DayRow| d.wait_p90,
                PERSON,
                td_string!(l, analytics.charts.p90),
            ),
        ] {
            let pts = points(pick);
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))?;
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(3))
                });
        }
        legend(&mut chart)?;
        root.present()?;
        Ok(())
    })
}

/// Handoffs by weekday (rows, Monday first) and hour (columns), darker for more.
pub fn heatmap(l: Locale, grid: &[Vec<i64>]) -> String {
    let title = td_string!(l, analytics.charts.heatmap);
    let names = crate::text::analytics::weekdays(l);
    let height = 260;
    draw(height, title, |svg| {
        let root = SVGBackend::with_string(svg, (W, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let most = grid.iter().flatten().copied().max().unwrap_or(0).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(44)
            .build_cartesian_2d((0u32..24).into_segmented(), (0u32..7).into_segmented())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(8)
            .y_labels(7)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(h) | SegmentValue::Exact(h) if h % 3 == 0 => h.to_string(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| match v {
                // Monday at the top.
                SegmentValue::CenterOf(r) | SegmentValue::Exact(r) if *r < 7 => {
                    names[6 - *r as usize].to_string()
                }
                _ => String::new(),
            })
            .x_desc(td_string!(l, analytics.charts.hour))
            .label_style(("sans-serif", FONT).into_font().color(&AXIS))
            .axis_desc_style(("sans-serif", FONT).into_font().color(&AXIS))
            .draw()?;
        chart.draw_series(grid.iter().enumerate().flat_map(|(day, hours)| {
            hours.iter().enumerate().map(move |(h, n)| {
                let shade = *n as f64 / most as f64;
                let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * shade) as u8;
                let color = RGBColor(mix(241, 30), mix(245, 64), mix(249, 175));
                let row = 6 - day as u32;
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(h as u32), SegmentValue::Exact(row)),
                        (
                            SegmentValue::Exact(h as u32 + 1),
                            SegmentValue::Exact(row + 1),
                        ),
                    ],
                    color.filled(),
                );
                r.set_margin(1, 1, 1, 1);
                r
            })
        }))?;
        root.present()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_scalable_named_svg() {
        let days = vec![
            DayRow {
                day: "2026-12-06".into(),
                conversations: 4,
                handed_off: 1,
                wait_median: Some(60_000),
                wait_p90: Some(300_000),
            },
            DayRow {
                day: "2026-12-07".into(),
                conversations: 2,
                handed_off: 2,
                wait_median: None,
                wait_p90: None,
            },
        ];
        let svg = conversations(Locale::es, &days);
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 480 280\"")
        );
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>Conversaciones por día"));
        assert!(svg.contains("6/12"), "day labels in the reader's order");
        assert!(svg.contains("Persona"));
        assert!(
            !svg[..svg.find('>').unwrap()].contains("width="),
            "scales with the page"
        );
        let w = waits(Locale::en, &days);
        assert!(w.contains("<title>Waiting time per day"));
        assert!(w.contains("<polyline") || w.contains("<path"));
        let mut grid = vec![vec![0i64; 24]; 7];
        grid[0][9] = 3;
        let h = heatmap(Locale::en, &grid);
        assert!(
            h.contains("\nMon\n") && h.contains("\nSun\n"),
            "weekday labels"
        );
        assert!(
            h.contains("Hour") && !h.contains("UTC"),
            "hours in the business time zone"
        );
    }
}
