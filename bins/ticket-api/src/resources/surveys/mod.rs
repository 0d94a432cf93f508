//! The satisfaction survey (issue 16): answered through the e-mailed link's token
//! (`/surveys/{token}`, JSON or a no-script HTML form) or by the logged-in customer
//! (`/tickets/{id}/satisfaction`), where staff read it.
//!
//! A `GET` never records anything (mail scanners follow links); `?rating=N` only chooses
//! N in the form. An HTML form cannot send `PUT`, so the page's form posts `_method=PUT`
//! to change an answer; that field is honoured in form bodies only (a JSON body with it
//! is refused as an unknown field).

pub mod dto;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use application::AppError;
use application::surveys::{SurveyPorts, SurveyState, Surveys};
use application::tickets::parse_ticket_ref;
use domain::survey::{Rating, SurveyComment, TokenUse};
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::Authenticated;
use crate::problem::{ApiError, SatisfactionErrors, SurveyErrors, parse_json_object};
use crate::shared::{escape, html_page, is_form};
use dto::{SurveyAnswerRequest, SurveyForm, SurveyQuery, SurveyResponse};

/// `/api/v1/surveys/{token}`
pub const SURVEY: &str = "/surveys/{token}";
/// `/api/v1/tickets/{id}/satisfaction`
pub const SATISFACTION: &str = "/tickets/{id}/satisfaction";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// Every survey route.
    pub surveys: Surveys,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            surveys: Surveys::new(SurveyPorts {
                surveys: ctx.db.clone(),
                tickets: ctx.db.clone(),
                uow: ctx.db.clone(),
                tokens: ctx.tokens.clone(),
                clock: ctx.clock.clone(),
            }),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(
        resource(SURVEY, "GET, POST, PUT")
            .route(web::get().to(show))
            .route(web::post().to(answer))
            .route(web::put().to(change)),
    );
    cfg.service(
        resource(SATISFACTION, "GET, POST, PUT")
            .route(web::get().to(ticket_show))
            .route(web::post().to(ticket_answer))
            .route(web::put().to(ticket_change)),
    );
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(show, answer, change, ticket_show, ticket_answer, ticket_change))]
pub struct Doc;

/// The survey a link opens: JSON, or with `Accept: text/html` an accessible form (no
/// script) with `?rating=N` chosen. Records nothing. Unknown or altered token: 404
/// `survey_not_found`; expired 410 `survey_expired`; superseded by a newer survey 410
/// `survey_superseded`; answered and past the edit window 410 `survey_spent`.
#[utoipa::path(get, path = SURVEY, context_path = API, tag = "surveys",
    params(("token" = String, Path, description = "The token of the e-mailed link"), SurveyQuery),
    responses(
        (status = 200, description = "The survey (JSON), or its form (`text/html`)",
            content((SurveyResponse = "application/json"), (String = "text/html"))),
        SurveyErrors))]
pub async fn show(cases: web::Data<Cases>, req: HttpRequest, token: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let html = wants_html(&req);
    let chosen = web::Query::<SurveyQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().rating)
        .and_then(|r| r.trim().parse::<i64>().ok())
        .and_then(|r| Rating::parse(r).ok());
    match cases.surveys.by_token(&token).await {
        Ok(state) if html => Ok(form_page(&state, chosen, None, StatusCode::OK)),
        Ok(state) => Ok(HttpResponse::Ok().json(SurveyResponse::from(&state))),
        Err(e) => refused(e, html),
    }
}

/// Records the first answer: JSON `{rating, comment?}` (201 with the survey), or the
/// page's form (201 with a thank-you page showing the answer and a form to change it;
/// a form with `_method=PUT` changes it, 200). A second answer is 409 `already_answered`.
#[utoipa::path(post, path = SURVEY, context_path = API, tag = "surveys",
    params(("token" = String, Path, description = "The token of the e-mailed link")),
    request_body(content = SurveyAnswerRequest, description = "JSON, or the page's `application/x-www-form-urlencoded` form (`rating`, `comment`, `_method=PUT` to change)"),
    responses(
        (status = 201, description = "Recorded (JSON), or the thank-you page of a form post",
            content((SurveyResponse = "application/json"), (String = "text/html"))),
        (status = 200, description = "A form post with `_method=PUT`: the answer changed", content_type = "text/html", body = String),
        SurveyErrors))]
pub async fn answer(
    cases: web::Data<Cases>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if is_form(&req) {
        let form = web::Query::<SurveyForm>::from_query(std::str::from_utf8(&body).unwrap_or_default())
            .map(web::Query::into_inner)
            .unwrap_or_default();
        let changing = form.method.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("PUT"));
        let outcome = match changing {
            true => cases.surveys.change_by_token(&token, form.input()).await,
            false => cases.surveys.answer_by_token(&token, form.input()).await,
        };
        return match outcome {
            Ok(state) => {
                let status = if changing { StatusCode::OK } else { StatusCode::CREATED };
                Ok(thanks_page(&state, status))
            }
            Err(AppError::Invalid(fields)) => {
                let problems: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
                match cases.surveys.by_token(&token).await {
                    Ok(state) => Ok(form_page(
                        &state,
                        None,
                        Some(&problems.join("; ")),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )),
                    Err(e) => refused(e, true),
                }
            }
            Err(e) => refused(e, true),
        };
    }
    let input = parse_json_object::<SurveyAnswerRequest>(&req, &body)?.input()?;
    let state = cases
        .surveys
        .answer_by_token(&token, input)
        .await
        .map_err(survey_error)?;
    Ok(HttpResponse::Created().json(SurveyResponse::from(&state)))
}

/// Changes the answer within the edit window (7 days from the first answer by
/// default): JSON `{rating, comment?}` (a missing comment clears it). Before an answer:
/// 409 `not_answered`; after the window the link is spent (410 `survey_spent`).
#[utoipa::path(put, path = SURVEY, context_path = API, tag = "surveys",
    params(("token" = String, Path, description = "The token of the e-mailed link")),
    request_body = SurveyAnswerRequest,
    responses((status = 200, description = "Changed", body = SurveyResponse), SurveyErrors))]
pub async fn change(
    cases: web::Data<Cases>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input = parse_json_object::<SurveyAnswerRequest>(&req, &body)?.input()?;
    let state = cases
        .surveys
        .change_by_token(&token, input)
        .await
        .map_err(survey_error)?;
    Ok(HttpResponse::Ok().json(SurveyResponse::from(&state)))
}

/// The ticket's latest survey: its customer reads their own answer (and whether they may
/// still answer or change it), staff read any. Another customer's ticket: 404; a ticket
/// without a survey: 404 `survey_not_found`.
#[utoipa::path(get, path = SATISFACTION, context_path = API, tag = "surveys",
    params(("id" = String, Path, description = "The ticket's id or number")), security(("bearer" = [])),
    responses((status = 200, description = "The survey", body = SurveyResponse), SatisfactionErrors))]
pub async fn ticket_show(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_ticket_ref(&id)?;
    let state = cases
        .surveys
        .for_ticket(&caller.0.actor(), id)
        .await
        .map_err(survey_error)?;
    Ok(HttpResponse::Ok().json(SurveyResponse::from(&state)))
}

/// The ticket's customer answers its latest survey `{rating, comment?}` (201); staff 403;
/// a second answer 409 `already_answered`; after the link's lifetime 410 `survey_expired`.
#[utoipa::path(post, path = SATISFACTION, context_path = API, tag = "surveys",
    params(("id" = String, Path, description = "The ticket's id or number")), security(("bearer" = [])),
    request_body = SurveyAnswerRequest,
    responses((status = 201, description = "Recorded", body = SurveyResponse), SatisfactionErrors))]
pub async fn ticket_answer(
    cases: web::Data<Cases>,
    caller: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let state = logged_in(&cases, &caller, &req, &id, &body, false).await?;
    Ok(HttpResponse::Created().json(SurveyResponse::from(&state)))
}

/// The ticket's customer changes their answer within the edit window (200); before an
/// answer 409 `not_answered`; after the window 410 `edit_window_passed`; staff 403.
#[utoipa::path(put, path = SATISFACTION, context_path = API, tag = "surveys",
    params(("id" = String, Path, description = "The ticket's id or number")), security(("bearer" = [])),
    request_body = SurveyAnswerRequest,
    responses((status = 200, description = "Changed", body = SurveyResponse), SatisfactionErrors))]
pub async fn ticket_change(
    cases: web::Data<Cases>,
    caller: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let state = logged_in(&cases, &caller, &req, &id, &body, true).await?;
    Ok(HttpResponse::Ok().json(SurveyResponse::from(&state)))
}

/// A logged-in answer (`change`: a change of it) to the ticket `id`'s latest survey.
async fn logged_in(
    cases: &Cases,
    caller: &Authenticated,
    req: &HttpRequest,
    id: &str,
    body: &web::Bytes,
    change: bool,
) -> Result<SurveyState, ApiError> {
    let id = parse_ticket_ref(id)?;
    let input = parse_json_object::<SurveyAnswerRequest>(req, body)?.input()?;
    let actor = caller.0.actor();
    let outcome = match change {
        true => cases.surveys.change_ticket(&actor, id, input).await,
        false => cases.surveys.answer_ticket(&actor, id, input).await,
    };
    outcome.map_err(survey_error)
}

/// A browser following the link: `Accept` names `text/html`.
fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The use cases' errors, a missing survey with its own code.
fn survey_error(e: AppError) -> ApiError {
    match e {
        AppError::NotFound("survey") => ApiError::new(
            StatusCode::NOT_FOUND,
            "survey_not_found",
            "no survey has this link, or the ticket has no survey",
        ),
        other => other.into(),
    }
}

/// A refusal as a problem document, or as a page for a browser (same status).
fn refused(e: AppError, html: bool) -> Result<HttpResponse, ApiError> {
    let e = survey_error(e);
    if !html {
        return Err(e);
    }
    let status = actix_web::ResponseError::status_code(&e);
    let problem = e.problem();
    let title = match problem.code.as_str() {
        "survey_expired" => "This survey link has expired",
        "survey_superseded" => "This survey was replaced by a newer one",
        "survey_spent" => "This survey is closed",
        "survey_not_found" => "Survey not found",
        "already_answered" => "Already answered",
        _ => "The survey could not be shown",
    };
    Ok(html_page(status, title, &format!("<p>{}</p>", escape(&problem.detail))))
}

/// Five labelled radio inputs (`chosen` checked) in a fieldset.
fn rating_fieldset(chosen: Option<Rating>) -> String {
    const WORDS: [&str; 5] = ["very unhappy", "unhappy", "neutral", "happy", "very happy"];
    let radios: String = Rating::ALL
        .iter()
        .zip(WORDS)
        .map(|(r, words)| {
            let checked = if Some(*r) == chosen { " checked" } else { "" };
            format!(
                "<p><input type=\"radio\" id=\"rating-{r}\" name=\"rating\" value=\"{r}\" required{checked}>\
                 <label for=\"rating-{r}\">{r} ({words})</label></p>"
            )
        })
        .collect();
    format!("<fieldset><legend>How satisfied are you? (1 = very unhappy, 5 = very happy)</legend>{radios}</fieldset>")
}

/// The form: a first answer, or a change (`_method=PUT`) of the current one.
fn form(state: &SurveyState, chosen: Option<Rating>) -> String {
    let answer = state.survey.current_answer();
    let changing = state.may == Some(TokenUse::Change);
    let chosen = chosen.or(answer.map(|a| a.rating));
    let comment = answer
        .and_then(|a| a.comment.as_ref())
        .map(|c| escape(c.as_str()))
        .unwrap_or_default();
    let method = if changing {
        "<input type=\"hidden\" name=\"_method\" value=\"PUT\">"
    } else {
        ""
    };
    let button = if changing { "Change my answer" } else { "Send my answer" };
    format!(
        "<form method=\"post\">{method}{}\
         <p><label for=\"comment\">Anything you would like to tell us? (optional, at most {} characters)</label></p>\
         <p><textarea id=\"comment\" name=\"comment\" maxlength=\"{}\" rows=\"6\" cols=\"60\">{comment}</textarea></p>\
         <p><button type=\"submit\">{button}</button></p></form>",
        rating_fieldset(chosen),
        SurveyComment::MAX_CHARS,
        SurveyComment::MAX_CHARS,
    )
}

fn intro(state: &SurveyState) -> String {
    format!(
        "<p>Your request <strong>{}</strong>: {}</p>",
        escape(&state.ticket_number),
        escape(&state.ticket_subject)
    )
}

/// The survey page: the ticket, the form (or the answer when it can no longer change).
fn form_page(state: &SurveyState, chosen: Option<Rating>, problem: Option<&str>, status: StatusCode) -> HttpResponse {
    let alert = problem
        .map(|p| format!("<p role=\"alert\"><strong>Please check your answer:</strong> {}</p>", escape(p)))
        .unwrap_or_default();
    let until = format!("<p>You can answer or change your answer until {}.</p>", state.until);
    html_page(
        status,
        &format!("How did we do? {}", escape(&state.ticket_number)),
        &format!("{}{alert}{}{until}", intro(state), form(state, chosen)),
    )
}

/// After a form post: what was recorded, and the form to change it.
fn thanks_page(state: &SurveyState, status: StatusCode) -> HttpResponse {
    let recorded = state
        .survey
        .current_answer()
        .map(|a| {
            let comment = a
                .comment
                .as_ref()
                .map(|c| format!("<p>Your comment: {}</p>", escape(c.as_str())))
                .unwrap_or_default();
            format!("<p>We recorded your rating: <strong>{} of 5</strong>.</p>{comment}", a.rating)
        })
        .unwrap_or_default();
    let change = match state.may {
        Some(TokenUse::Change) => format!(
            "<h2>Change your answer</h2><p>You can change it until {}.</p>{}",
            state.until,
            form(state, None)
        ),
        _ => String::new(),
    };
    html_page(
        status,
        "Thank you for your answer",
        &format!("{}{recorded}{change}", intro(state)),
    )
}
