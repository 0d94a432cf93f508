//! Contract case of full-text search: every page of a search, walked through its cursor,
//! against a plain scan of what the case wrote.

use std::collections::BTreeMap;

use super::*;
use crate::ports::*;
use domain::*;

/// What the case wrote of one ticket: its words and its comments' (visibility, words).
struct Written {
    text: String,
    comments: Vec<(Visibility, String)>,
}

/// The lower-case words of a text.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The plain scan's meaning of `q`: all its words in the subject and description
/// together, or all in one comment the reader may read.
fn plain_match(w: &Written, q: &str, staff: bool) -> bool {
    let wanted = words_of(q);
    let all_in = |text: &str| {
        let doc = words_of(text);
        wanted.iter().all(|x| doc.contains(x))
    };
    all_in(&w.text)
        || w.comments
            .iter()
            .any(|(v, body)| (staff || *v == Visibility::Public) && all_in(body))
}

/// The plain scan's meaning of the filter's other fields.
fn plain_filter(t: &Ticket, f: &TicketFilter) -> bool {
    let p = t.parts();
    (f.statuses.is_empty() || f.statuses.contains(&p.status))
        && (f.priorities.is_empty() || f.priorities.contains(&p.priority))
        && f.category.as_ref().is_none_or(|c| p.category == *c)
        && f.assignee_id.is_none_or(|a| p.assignee_id == Some(a))
        && f.customer_id.is_none_or(|c| p.customer_id == c)
        && f.tag.as_ref().is_none_or(|tag| p.tags.iter().any(|x| x == tag))
        && f.created_after.is_none_or(|at| p.created_at >= at)
        && f.created_before.is_none_or(|at| p.created_at < at)
}

/// A ticket's place in `sort` order, ascending (the descending orders reverse it).
fn place(sort: TicketSort, t: &Ticket) -> (i64, i64, i64) {
    let created = match sort {
        TicketSort::PriorityAsc | TicketSort::PriorityDesc => t.parts().created_at.unix_micros(),
        _ => 0,
    };
    (sort.key_of(t), created, t.id().get())
}

/// The ids of every page of `query`, walked through the cursor.
async fn walk(s: &Store, mut query: TicketQuery) -> Vec<i64> {
    let mut seen = Vec::new();
    for _ in 0..100 {
        let page = s.tickets.list(&query).await.expect("lists");
        assert!(page.items.len() <= query.limit as usize);
        seen.extend(page.items.iter().map(|t| t.id().get()));
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => return seen,
        }
    }
    panic!("a search of a few tickets never ended: {query:?}");
}

/// Writes 18 tickets of three customers with words in subjects, descriptions, public
/// comments and internal notes; returns them as written and stored.
async fn search_data(s: &Store, w: &World, third: UserId) -> BTreeMap<i64, (Ticket, Written)> {
    let customers = [w.customer.id, w.other.id, third];
    let agent = Actor::new(w.agent.id, Role::Agent);
    let mut out = BTreeMap::new();
    for i in 0..18i64 {
        // zebra: one ticket; quartz: every other; "velvet harbor": in a subject, split
        // between a subject and a comment or between two comments (no match), together
        // in a public comment and in an internal note; falcon: in a note and a comment.
        let subject = match i {
            5 => format!("Zebra crossing {i}"),
            1 | 13 => format!("Velvet harbor lights {i}"),
            3 => format!("Velvet curtain {i}"),
            _ => format!("Ticket {i}"),
        };
        let description = if i % 2 == 0 {
            format!("The quartz clock number {i} stopped")
        } else {
            format!("Something else number {i} happened")
        };
        let tags: &[&str] = if i % 3 == 0 { &["vip"] } else { &[] };
        let customer = customers[(i % 3) as usize];
        let t = open(
            s,
            Spec {
                customer,
                subject: &subject,
                description: &description,
                priority: Priority::ALL[(i % 4) as usize],
                category: if i % 2 == 0 { "billing" } else { "hardware" },
                tags,
                // Pairs share an instant, so ties are broken by id.
                at: at(i / 2),
            },
        )
        .await;
        let id = t.id();
        let by_customer = Actor::new(customer, Role::Customer);
        let comments: Vec<(Actor, Visibility, &str)> = match i {
            3 => vec![(by_customer, Visibility::Public, "The harbor is closed")],
            6 => vec![(by_customer, Visibility::Public, "Near the velvet harbor today")],
            7 => vec![(agent, Visibility::Internal, "Velvet harbor again, see the notes")],
            9 => vec![
                (by_customer, Visibility::Public, "Velvet gloves"),
                (by_customer, Visibility::Public, "Harbor view"),
            ],
            10 => vec![(agent, Visibility::Internal, "The falcon has landed")],
            11 => vec![(by_customer, Visibility::Public, "A falcon flew by")],
            14 => vec![(agent, Visibility::Internal, "Quartz supplier called")],
            _ => vec![],
        };
        let mut written = Written {
            text: format!("{subject} {description}"),
            comments: Vec::new(),
        };
        for (n, (actor, visibility, body)) in comments.into_iter().enumerate() {
            comment_on(s, id, actor, visibility, body, &[], 100 + i * 10 + n as i64)
                .await
                .expect("comments");
            written.comments.push((visibility, body.to_owned()));
        }
        if i % 5 == 0 {
            let before = s.tickets.get(id).await.expect("reads").expect("exists");
            let mut assigned = before.clone();
            let event = assigned.assign(w.agent.id, agent, at(300 + i), None).expect("assigns");
            s.uow
                .commit(update_of(&before, assigned, event))
                .await
                .expect("commits");
        }
        let stored = s.tickets.get(id).await.expect("reads").expect("exists");
        out.insert(id.get(), (stored, written));
    }
    out
}

/// Contract: a search, in every order, alone and with every other filter, for staff and
/// for customers, lists exactly the tickets a plain scan of the written data finds, in
/// order, each once across its pages.
pub async fn search_agrees_with_a_plain_scan(s: &Store) {
    let w = world(s).await;
    let third = account(s, "third@example.com", Role::Customer).await.id;
    let data = search_data(s, &w, third).await;
    let texts = [
        "zebra",
        "quartz",
        "velvet harbor",
        "harbor velvet",
        "falcon",
        "xylophone",
        "quartz zebra",
    ];
    let hardware = CategorySlug::parse("hardware").expect("valid");
    let vip = Tag::parse("vip").expect("valid");
    let filters = [
        TicketFilter::default(),
        TicketFilter {
            statuses: vec![TicketStatus::Assigned],
            ..Default::default()
        },
        TicketFilter {
            statuses: vec![TicketStatus::New, TicketStatus::Assigned],
            priorities: vec![Priority::Urgent, Priority::Normal],
            ..Default::default()
        },
        TicketFilter {
            category: Some(hardware),
            ..Default::default()
        },
        TicketFilter {
            tag: Some(vip),
            ..Default::default()
        },
        TicketFilter {
            assignee_id: Some(w.agent.id),
            ..Default::default()
        },
        TicketFilter {
            customer_id: Some(w.other.id),
            ..Default::default()
        },
        TicketFilter {
            created_after: Some(at(2)),
            created_before: Some(at(7)),
            ..Default::default()
        },
    ];
    // Staff read internal notes; a customer's list is forced to their own tickets.
    let readers = [(None, true), (Some(w.customer.id), false), (Some(w.other.id), false)];
    let mut matched_somewhere = 0;
    for text in texts {
        for filter in &filters {
            for (customer, staff) in readers {
                let mut f = filter.clone();
                if customer.is_some() {
                    f.customer_id = customer;
                }
                f.text = Some(text.to_owned());
                f.text_in_internal_notes = staff;
                for sort in TicketSort::ALL {
                    let mut expected: Vec<&Ticket> = data
                        .values()
                        .filter(|(t, written)| plain_filter(t, &f) && plain_match(written, text, staff))
                        .map(|(t, _)| t)
                        .collect();
                    expected.sort_by_key(|t| place(sort, t));
                    if sort.descending() {
                        expected.reverse();
                    }
                    let expected: Vec<i64> = expected.iter().map(|t| t.id().get()).collect();
                    matched_somewhere += expected.len();
                    let query = TicketQuery {
                        filter: f.clone(),
                        sort,
                        limit: 2,
                        after: None,
                    };
                    assert_eq!(
                        walk(s, query).await,
                        expected,
                        "q={text:?} {sort:?} staff={staff} filter={f:?}"
                    );
                }
            }
        }
    }
    assert!(
        matched_somewhere > 100,
        "the data must give the searches something to find"
    );
}
