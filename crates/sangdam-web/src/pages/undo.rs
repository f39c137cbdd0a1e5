//! `POST /undo`: puts a row deleted moments ago back as it was (see `crate::undo`).

use axum::extract::State;
use sangdam_store::StoreError;

use super::views::see_other;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::forms::FormData;
use crate::state::AppState;
use crate::undo::Deleted;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct UndoForm {
    token: String,
    /// The page to go back to when the token no longer works.
    back: String,
}

pub async fn undo(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<UndoForm>) -> AppResult {
    let v = ctx.signed_in()?;
    // Only a page of this site that offers undo; anything else leads home.
    let back = crate::undo::PAGES.iter().copied().find(|p| *p == f.back).unwrap_or("/");
    let Some(what) = state.undos.take(&v.user.id, f.token.trim(), ctx.now) else {
        return Ok(see_other(&format!("{back}?undone=late")));
    };
    let page = what.page();
    let restored = match &what {
        Deleted::Canned(c) => {
            let actor = crate::auth::actor_of(&ctx, Some(&v.user));
            match sangdam_app::center::restore(&state.store, &state.keys, &actor, c).await {
                Ok(()) => Ok(()),
                Err(sangdam_app::center::CenterError::Store(e)) => Err(e),
                // Full again meanwhile, or put back already: as good as taken.
                Err(_) => Err(StoreError::Conflict),
            }
        }
        // The undo kept under this user holds only their own exception.
        Deleted::Exception { id, exception } => {
            let actor = crate::auth::actor_of(&ctx, Some(&v.user));
            match sangdam_app::availability::restore(&state.store, &state.keys, &actor, id, exception).await {
                Ok(()) => Ok(()),
                Err(sangdam_app::availability::ExceptionError::Store(e)) => Err(e),
                Err(_) => Err(StoreError::Conflict),
            }
        }
    };
    match restored {
        Ok(()) => Ok(see_other(&format!("{page}?undone=ok"))),
        Err(StoreError::Conflict) => Ok(see_other(&format!("{page}?undone=taken"))),
        Err(e) => Err(e.into()),
    }
}
