//! The agent profile use cases.

use std::sync::Arc;

use domain::assignment::{Availability, Skill};
use domain::{Actor, CategorySlug, UserId};

use crate::error::{AppError, Validator};
use crate::ports::{AgentProfile, AgentRepository, Clock, StoreError, UserRepository};

/// The largest capacity accepted.
pub const MAX_CAPACITY: u32 = 1000;
/// The most skills one agent may have.
const MAX_SKILLS: usize = 100;

/// The ports the agent use cases need.
#[derive(Clone)]
pub struct AgentPorts {
    /// Agent profiles.
    pub agents: Arc<dyn AgentRepository>,
    /// Accounts (an agent is an active staff account).
    pub users: Arc<dyn UserRepository>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
}

impl AgentPorts {
    /// The profile of an active staff account (unconfigured if never saved); "not found"
    /// for anyone else.
    async fn load(&self, id: UserId) -> Result<AgentProfile, AppError> {
        match self.users.get(id).await? {
            Some(user) if user.active && user.role.is_staff() => {}
            _ => return Err(AppError::NotFound("agent")),
        }
        Ok(match self.agents.agent_profile(id).await? {
            Some(p) => p,
            None => AgentProfile::unconfigured(id, self.clock.now()),
        })
    }

    async fn save(&self, mut profile: AgentProfile) -> Result<AgentProfile, AppError> {
        profile.updated_at = self.clock.now();
        match self.agents.save_agent_profile(profile.clone()).await {
            Ok(()) => Ok(profile),
            Err(StoreError::Reference("category")) => {
                Err(AppError::invalid("skills", "names a category that does not exist"))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Reads an agent's profile: the agent themself and admins.
#[derive(Clone)]
pub struct GetAgent {
    ports: AgentPorts,
}

impl GetAgent {
    /// Wires the use case.
    pub fn new(ports: AgentPorts) -> Self {
        Self { ports }
    }

    /// The profile; another agent's is for admins only (403), a non-agent's is 404.
    pub async fn execute(&self, actor: Actor, id: i64) -> Result<AgentProfile, AppError> {
        check_self_or_admin(&actor, id)?;
        self.ports.load(UserId::new(id)).await
    }
}

/// Agents set their own availability.
#[derive(Clone)]
pub struct SetAvailability {
    ports: AgentPorts,
}

impl SetAvailability {
    /// Wires the use case.
    pub fn new(ports: AgentPorts) -> Self {
        Self { ports }
    }

    /// Sets the caller's availability: `online`, `away` or `offline`. Staff only.
    pub async fn execute(&self, actor: Actor, availability: &str) -> Result<AgentProfile, AppError> {
        if !actor.is_staff() {
            return Err(AppError::Forbidden("only agents have an availability".into()));
        }
        let availability = Availability::parse(availability).map_err(|e| AppError::invalid("availability", e))?;
        let mut profile = self.ports.load(actor.user_id).await?;
        profile.availability = availability;
        self.ports.save(profile).await
    }
}

/// A skill as received.
#[derive(Debug, Clone, Default)]
pub struct SkillInput {
    /// A category slug.
    pub category: String,
    /// A level from 1 to 5, when graded.
    pub level: Option<i64>,
}

/// `PATCH /agents/{id}`: fields present replace the stored ones.
#[derive(Debug, Clone, Default)]
pub struct AgentChanges {
    /// The categories they handle (all of them).
    pub skills: Option<Vec<SkillInput>>,
    /// The most open assigned tickets, 0 to 1000.
    pub capacity: Option<i64>,
    /// `online`, `away` or `offline` (an admin's override).
    pub availability: Option<String>,
}

/// Admins set an agent's skills, capacity and availability.
#[derive(Clone)]
pub struct UpdateAgent {
    ports: AgentPorts,
}

impl UpdateAgent {
    /// Wires the use case.
    pub fn new(ports: AgentPorts) -> Self {
        Self { ports }
    }

    /// Applies the changes, checked as a whole (422 naming each bad field). Admins only.
    pub async fn execute(&self, actor: Actor, id: i64, changes: AgentChanges) -> Result<AgentProfile, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden("only admins configure agents".into()));
        }
        let mut v = Validator::default();
        let capacity = changes.capacity.and_then(|c| match u32::try_from(c) {
            Ok(c) if c <= MAX_CAPACITY => Some(c),
            _ => {
                v.fail("capacity", format!("must be between 0 and {MAX_CAPACITY}"));
                None
            }
        });
        let availability = changes
            .availability
            .as_deref()
            .and_then(|a| v.check("availability", Availability::parse(a)));
        let skills = changes.skills.map(|skills| parse_skills(&mut v, skills));
        v.finish()?;
        let mut profile = self.ports.load(UserId::new(id)).await?;
        if let Some(c) = capacity {
            profile.capacity = c;
        }
        if let Some(a) = availability {
            profile.availability = a;
        }
        if let Some(s) = skills {
            profile.skills = s;
        }
        self.ports.save(profile).await
    }
}

fn parse_skills(v: &mut Validator, skills: Vec<SkillInput>) -> Vec<Skill> {
    if skills.len() > MAX_SKILLS {
        v.fail("skills", format!("at most {MAX_SKILLS}"));
        return Vec::new();
    }
    let mut parsed: Vec<Skill> = Vec::new();
    for (i, s) in skills.into_iter().enumerate() {
        let Some(category) = v.check(&format!("skills[{i}].category"), CategorySlug::parse(&s.category)) else {
            continue;
        };
        let level = match s.level {
            None => None,
            Some(l @ 1..=5) => u8::try_from(l).ok(),
            Some(_) => {
                v.fail(&format!("skills[{i}].level"), "must be between 1 and 5");
                None
            }
        };
        if parsed.iter().any(|p| p.category == category) {
            v.fail(&format!("skills[{i}].category"), "is listed twice");
            continue;
        }
        parsed.push(Skill { category, level });
    }
    parsed
}

fn check_self_or_admin(actor: &Actor, id: i64) -> Result<(), AppError> {
    if actor.is_admin() || (actor.is_staff() && actor.user_id.get() == id) {
        Ok(())
    } else if actor.is_staff() {
        Err(AppError::Forbidden("only admins read another agent's profile".into()))
    } else {
        Err(AppError::Forbidden("agent profiles are for staff".into()))
    }
}
