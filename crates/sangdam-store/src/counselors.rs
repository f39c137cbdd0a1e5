//! Counselor profiles for the directory and for booking: bio, languages, photo, specialties,
//! the session types offered with duration and price, weekly hours, booking rules and date
//! exceptions. Specialties are a list admins manage.

use std::collections::HashMap;

use jiff::civil::Date;
use sangdam_domain::booking::{BookingRules, DateException, ExceptionKind, Interval, SessionKind, WeeklyHours};
use sangdam_domain::{Currency, Language, Money, UserId};
use sqlx::Row;

use crate::users::{UserRecord, user_columns, user_from_row};
use crate::{Effects, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specialty {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub position: i64,
}

impl Specialty {
    pub fn name(&self, lang: Language) -> &str {
        match lang {
            Language::Ko => &self.name_ko,
            Language::En => &self.name_en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offering {
    pub kind: SessionKind,
    pub duration_minutes: u32,
    pub price: Money,
}

#[derive(Debug, Clone)]
pub struct CounselorProfile {
    pub user_id: UserId,
    pub bio_ko: String,
    pub bio_en: String,
    pub languages: Vec<Language>,
    pub has_photo: bool,
    pub requires_approval: bool,
    pub published: bool,
    pub weekly: WeeklyHours,
    pub rules: BookingRules,
    pub specialties: Vec<String>,
    pub offerings: Vec<Offering>,
}

impl CounselorProfile {
    /// A new counselor's starting point: office hours, the default rules, not yet in the directory.
    pub fn new(user_id: UserId) -> Self {
        Self {
            user_id,
            bio_ko: String::new(),
            bio_en: String::new(),
            languages: vec![Language::Ko],
            has_photo: false,
            requires_approval: false,
            published: false,
            weekly: WeeklyHours::office_hours(),
            rules: BookingRules::default(),
            specialties: vec![],
            offerings: vec![],
        }
    }

    pub fn offering(&self, kind: SessionKind) -> Option<Offering> {
        self.offerings.iter().copied().find(|o| o.kind == kind)
    }

    /// The bio in the reader's language, or the other one when only that exists.
    pub fn bio(&self, lang: Language) -> &str {
        let (first, second) = match lang {
            Language::Ko => (&self.bio_ko, &self.bio_en),
            Language::En => (&self.bio_en, &self.bio_ko),
        };
        if first.trim().is_empty() { second } else { first }
    }
}

/// The directory's filters that the database applies; price and "available within N days" are
/// applied by the caller, which knows currencies and computes slots.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    pub name: Option<String>,
    pub specialty: Option<String>,
    pub language: Option<Language>,
    pub kind: Option<SessionKind>,
}

/// `(user_id, kind, duration_minutes, price_minor, currency)` as stored.
type OfferingRow = (String, String, i64, i64, String);

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("counselor_profiles.{what}"))
}

fn languages_text(l: &[Language]) -> String {
    l.iter().map(|l| l.code()).collect::<Vec<_>>().join(",")
}

fn parse_languages(s: &str) -> Vec<Language> {
    s.split(',').filter_map(Language::parse).collect()
}

const PROFILE_COLUMNS: &str = "p.user_id, p.bio_ko, p.bio_en, p.languages, (p.photo IS NOT NULL) AS has_photo, \
     p.requires_approval, p.published, p.weekly_hours, p.buffer_minutes, p.min_notice_minutes, p.horizon_days, \
     p.daily_cap, p.cancel_window_hours";

macro_rules! profile_from_row {
    ($r:expr) => {{
        let r = $r;
        let user_id: String = r.try_get("user_id")?;
        let weekly: String = r.try_get("weekly_hours")?;
        let languages: String = r.try_get("languages")?;
        let cap: Option<i64> = r.try_get("daily_cap")?;
        let int = |v: i64| u32::try_from(v).map_err(|_| corrupt("rules"));
        CounselorProfile {
            user_id: UserId::parse(&user_id).ok_or_else(|| corrupt("user_id"))?,
            bio_ko: r.try_get("bio_ko")?,
            bio_en: r.try_get("bio_en")?,
            languages: parse_languages(&languages),
            has_photo: r.try_get("has_photo")?,
            requires_approval: r.try_get("requires_approval")?,
            published: r.try_get("published")?,
            weekly: serde_json::from_str(&weekly).map_err(|_| corrupt("weekly_hours"))?,
            rules: BookingRules {
                buffer_minutes: int(r.try_get("buffer_minutes")?)?,
                min_notice_minutes: int(r.try_get("min_notice_minutes")?)?,
                horizon_days: int(r.try_get("horizon_days")?)?,
                daily_cap: match cap {
                    Some(c) => Some(int(c)?),
                    None => None,
                },
                cancel_window_hours: int(r.try_get("cancel_window_hours")?)?,
            },
            specialties: vec![],
            offerings: vec![],
        }
    }};
}

impl Store {
    pub async fn list_specialties(&self) -> Result<Vec<Specialty>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query("SELECT id, name_ko, name_en, position FROM specialties ORDER BY position, id")
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(Specialty {
                    id: r.try_get("id")?,
                    name_ko: r.try_get("name_ko")?,
                    name_en: r.try_get("name_en")?,
                    position: r.try_get("position")?,
                });
            }
            Ok(out)
        })
    }

    /// Adds a specialty or renames an existing one, with `effects`; [`StoreError::LimitReached`]
    /// when a new one would pass `max` (counted one at a time).
    pub async fn save_specialty(&self, s: &Specialty, max: usize, now: i64, effects: &crate::Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ('specialties', $1) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let others: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM specialties WHERE id <> $1")
                .bind(&s.id)
                .fetch_one(&mut *tx)
                .await?;
            if others >= max as i64 {
                return Err(StoreError::LimitReached);
            }
            sqlx::query(
                "INSERT INTO specialties (id, name_ko, name_en, position) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET name_ko = excluded.name_ko, name_en = excluded.name_en, position = excluded.position",
            )
            .bind(&s.id)
            .bind(&s.name_ko)
            .bind(&s.name_en)
            .bind(s.position)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Deletes a specialty (counselors lose it from their profiles), with `effects`; false when
    /// there is none by that id.
    pub async fn delete_specialty(&self, id: &str, now: i64, effects: &crate::Effects) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM specialties WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Loads specialties and offerings for the given profiles in two queries.
    async fn fill_profiles(&self, profiles: &mut [CounselorProfile]) -> Result<()> {
        if profiles.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = profiles.iter().map(|p| p.user_id.as_str().to_owned()).collect();
        let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let specialties_sql = format!(
            "SELECT user_id, specialty_id FROM counselor_specialties s JOIN specialties x ON x.id = s.specialty_id \
             WHERE user_id IN ({placeholders}) ORDER BY x.position"
        );
        let offerings_sql = format!(
            "SELECT user_id, kind, duration_minutes, price_minor, currency FROM session_offerings WHERE user_id IN ({placeholders})"
        );
        let (specialties, offerings): (Vec<(String, String)>, Vec<OfferingRow>) = on_backend!(self, |pool| {
            let mut q = sqlx::query_as(&specialties_sql);
            for id in &ids {
                q = q.bind(id);
            }
            let specialties = q.fetch_all(pool).await?;
            let mut q = sqlx::query_as(&offerings_sql);
            for id in &ids {
                q = q.bind(id);
            }
            (specialties, q.fetch_all(pool).await?)
        });
        let mut by_user: HashMap<String, usize> = HashMap::new();
        for (i, p) in profiles.iter().enumerate() {
            by_user.insert(p.user_id.as_str().to_owned(), i);
        }
        for (user, specialty) in specialties {
            if let Some(&i) = by_user.get(&user) {
                profiles[i].specialties.push(specialty);
            }
        }
        for (user, kind, duration, price, currency) in offerings {
            if let Some(&i) = by_user.get(&user) {
                let kind = SessionKind::parse(&kind).ok_or_else(|| corrupt("offering kind"))?;
                let currency = Currency::parse(&currency).ok_or_else(|| corrupt("currency"))?;
                let price = Money::from_minor(price, currency).map_err(|_| corrupt("price"))?;
                let duration_minutes = u32::try_from(duration).map_err(|_| corrupt("duration"))?;
                profiles[i].offerings.push(Offering { kind, duration_minutes, price });
            }
        }
        for p in profiles.iter_mut() {
            p.offerings.sort_by_key(|o| SessionKind::ALL.iter().position(|k| *k == o.kind));
        }
        Ok(())
    }

    pub async fn counselor_profile(&self, user_id: &UserId) -> Result<Option<CounselorProfile>> {
        let profile = on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {PROFILE_COLUMNS} FROM counselor_profiles p WHERE p.user_id = $1"))
                .bind(user_id.as_str())
                .fetch_optional(pool)
                .await?;
            match row {
                Some(r) => Some(profile_from_row!(r)),
                None => None,
            }
        });
        let Some(profile) = profile else { return Ok(None) };
        let mut list = [profile];
        self.fill_profiles(&mut list).await?;
        let [profile] = list;
        Ok(Some(profile))
    }

    /// Saves every part of a profile (not the photo) in one transaction.
    /// Creates or replaces a counselor's profile (its specialties and offerings with it), with what
    /// follows it (the audit entry).
    pub async fn save_counselor_profile(&self, p: &CounselorProfile, now: i64, effects: &Effects) -> Result<()> {
        let weekly = serde_json::to_string(&p.weekly).map_err(|_| corrupt("weekly_hours"))?;
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO counselor_profiles (user_id, bio_ko, bio_en, languages, requires_approval, published, weekly_hours, \
                 buffer_minutes, min_notice_minutes, horizon_days, daily_cap, cancel_window_hours, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (user_id) DO UPDATE SET bio_ko = excluded.bio_ko, bio_en = excluded.bio_en, \
                 languages = excluded.languages, requires_approval = excluded.requires_approval, \
                 published = excluded.published, weekly_hours = excluded.weekly_hours, \
                 buffer_minutes = excluded.buffer_minutes, min_notice_minutes = excluded.min_notice_minutes, \
                 horizon_days = excluded.horizon_days, daily_cap = excluded.daily_cap, \
                 cancel_window_hours = excluded.cancel_window_hours, updated_at = excluded.updated_at",
            )
            .bind(p.user_id.as_str())
            .bind(&p.bio_ko)
            .bind(&p.bio_en)
            .bind(languages_text(&p.languages))
            .bind(p.requires_approval)
            .bind(p.published)
            .bind(&weekly)
            .bind(i64::from(p.rules.buffer_minutes))
            .bind(i64::from(p.rules.min_notice_minutes))
            .bind(i64::from(p.rules.horizon_days))
            .bind(p.rules.daily_cap.map(i64::from))
            .bind(i64::from(p.rules.cancel_window_hours))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM counselor_specialties WHERE user_id = $1")
                .bind(p.user_id.as_str())
                .execute(&mut *tx)
                .await?;
            for s in &p.specialties {
                sqlx::query("INSERT INTO counselor_specialties (user_id, specialty_id) VALUES ($1, $2)")
                    .bind(p.user_id.as_str())
                    .bind(s)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM session_offerings WHERE user_id = $1")
                .bind(p.user_id.as_str())
                .execute(&mut *tx)
                .await?;
            for o in &p.offerings {
                sqlx::query(
                    "INSERT INTO session_offerings (user_id, kind, duration_minutes, price_minor, currency) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(p.user_id.as_str())
                .bind(o.kind.as_str())
                .bind(i64::from(o.duration_minutes))
                .bind(o.price.minor())
                .bind(o.price.currency().code())
                .execute(&mut *tx)
                .await?;
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets or removes the (already resized and cleaned) photo. The profile must exist.
    pub async fn set_counselor_photo(
        &self,
        user_id: &UserId,
        photo: Option<&[u8]>,
        now: i64,
        effects: &Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE counselor_profiles SET photo = $2, updated_at = $3 WHERE user_id = $1")
                .bind(user_id.as_str())
                .bind(photo)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn counselor_photo(&self, user_id: &UserId) -> Result<Option<Vec<u8>>> {
        on_backend!(self, |pool| {
            let photo: Option<Option<Vec<u8>>> = sqlx::query_scalar(
                "SELECT p.photo FROM counselor_profiles p JOIN users u ON u.id = p.user_id \
                 WHERE p.user_id = $1 AND p.published = TRUE AND u.active = TRUE",
            )
            .bind(user_id.as_str())
            .fetch_optional(pool)
            .await?;
            Ok(photo.flatten())
        })
    }

    pub async fn list_exceptions(&self, user_id: &UserId) -> Result<Vec<(String, DateException)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, day, kind, start_minute, end_minute FROM availability_exceptions WHERE user_id = $1 ORDER BY day, start_minute",
            )
            .bind(user_id.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let day: String = r.try_get("day")?;
                let kind: String = r.try_get("kind")?;
                let (s, e): (i64, i64) = (r.try_get("start_minute")?, r.try_get("end_minute")?);
                let interval = Interval::new(
                    u16::try_from(s).map_err(|_| corrupt("start"))?,
                    u16::try_from(e).map_err(|_| corrupt("end"))?,
                )
                .map_err(|_| corrupt("interval"))?;
                out.push((
                    r.try_get("id")?,
                    DateException {
                        date: day.parse::<Date>().map_err(|_| corrupt("day"))?,
                        kind: if kind == "off" { ExceptionKind::Off } else { ExceptionKind::Extra },
                        interval,
                    },
                ));
            }
            Ok(out)
        })
    }

    /// Adds a date's exception unless the counselor holds `max` already (`LimitReached`): counted
    /// under the counselor's row in `throttle_locks`, so that additions sent at once cannot pass
    /// the limit. The effects commit with it.
    pub async fn add_exception(
        &self,
        id: &str,
        user_id: &UserId,
        e: &DateException,
        max: usize,
        now: i64,
        effects: &Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(format!("exceptions:{user_id}"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM availability_exceptions WHERE user_id = $1")
                .bind(user_id.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if held >= max as i64 {
                return Err(StoreError::LimitReached);
            }
            sqlx::query(
                "INSERT INTO availability_exceptions (id, user_id, day, kind, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(user_id.as_str())
            .bind(e.date.to_string())
            .bind(match e.kind {
                ExceptionKind::Off => "off",
                ExceptionKind::Extra => "extra",
            })
            .bind(i64::from(e.interval.start()))
            .bind(i64::from(e.interval.end()))
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deletes a counselor's exception; the effects commit only when it was there.
    pub async fn delete_exception(&self, user_id: &UserId, id: &str, now: i64, effects: &Effects) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM availability_exceptions WHERE user_id = $1 AND id = $2")
                .bind(user_id.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if done {
                crate::effects::write_effects!(&mut tx, effects, now);
            }
            tx.commit().await?;
            Ok(done)
        })
    }

    /// Published profiles of active counselors matching the filter, by name.
    pub async fn directory(&self, f: &DirectoryFilter) -> Result<Vec<(UserRecord, CounselorProfile)>> {
        let name = f.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|n| {
            let escaped: String = n
                .to_lowercase()
                .chars()
                .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
                .collect();
            format!("%{escaped}%")
        });
        let language = f.language.map(|l| format!("%{}%", l.code()));
        let mut found = on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {}, {PROFILE_COLUMNS} FROM counselor_profiles p JOIN users u ON u.id = p.user_id \
                 WHERE p.published = TRUE AND u.active = TRUE AND u.role = 'counselor' \
                 AND ($1 IS NULL OR LOWER(u.display_name) LIKE $1 ESCAPE '\\') \
                 AND ($2 IS NULL OR EXISTS (SELECT 1 FROM counselor_specialties s WHERE s.user_id = p.user_id AND s.specialty_id = $2)) \
                 AND ($3 IS NULL OR p.languages LIKE $3) \
                 AND ($4 IS NULL OR EXISTS (SELECT 1 FROM session_offerings o WHERE o.user_id = p.user_id AND o.kind = $4)) \
                 ORDER BY u.display_name, u.id LIMIT 500",
                user_columns!()
            ))
            .bind(name.as_deref())
            .bind(f.specialty.as_deref())
            .bind(language.as_deref())
            .bind(f.kind.map(SessionKind::as_str))
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((user_from_row!(r), profile_from_row!(r)));
            }
            out
        });
        let mut profiles: Vec<CounselorProfile> = found.iter().map(|(_, p)| p.clone()).collect();
        self.fill_profiles(&mut profiles).await?;
        for ((_, p), filled) in found.iter_mut().zip(profiles) {
            *p = filled;
        }
        Ok(found)
    }
}
