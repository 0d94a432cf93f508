//! The tables, written by hand with portable SQL types (see migrations/).
//! PostgreSQL's generated `search` columns are left out: only raw SQL reads them.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
        phone -> Nullable<Text>,
        sms_opt_in -> Bool,
        email_verified -> Bool,
    }
}

diesel::table! {
    email_verifications (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        password_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    categories (slug) {
        slug -> Text,
        name -> Text,
        description -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        number -> Text,
        customer_id -> BigInt,
        created_by -> BigInt,
        subject -> Text,
        description -> Text,
        priority -> SmallInt,
        category -> Text,
        tags -> Text,
        status -> Text,
        assignee_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        version -> BigInt,
        first_response_at -> Nullable<Timestamp>,
        last_customer_comment_at -> Nullable<Timestamp>,
        last_agent_reply_at -> Nullable<Timestamp>,
        public_comment_count -> Integer,
        internal_note_count -> Integer,
        sla_due_at -> Nullable<Timestamp>,
        escalation_level -> SmallInt,
        escalation_check_at -> Nullable<Timestamp>,
        escalation_claimed_until -> Nullable<Timestamp>,
        public_version -> BigInt,
    }
}

diesel::table! {
    ticket_tags (ticket_id, tag) {
        ticket_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    ticket_history (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        event_type -> Text,
        details -> Text,
        visibility -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        idempotency_key -> Text,
        event_id -> Nullable<BigInt>,
        ticket_id -> Nullable<BigInt>,
        recipient_id -> Nullable<BigInt>,
        channel -> Text,
        address -> Text,
        recipient_name -> Nullable<Text>,
        template -> Text,
        context -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        event_type -> Text,
        aggregate_id -> BigInt,
        payload -> Text,
        created_at -> Timestamp,
        available_at -> Timestamp,
        attempts -> Integer,
        lease_until -> Nullable<Timestamp>,
        processed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, scope, key) {
        user_id -> BigInt,
        scope -> Text,
        key -> Text,
        fingerprint -> Text,
        resource_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reference_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    id_sequences (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        author_id -> BigInt,
        by_staff -> Bool,
        visibility -> Text,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        redacted_at -> Nullable<Timestamp>,
        redacted_by -> Nullable<BigInt>,
        redaction_reason -> Nullable<Text>,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        comment_id -> BigInt,
        uploaded_by -> BigInt,
        visibility -> Text,
        file_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        blob_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    upload_intents (blob_key) {
        blob_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sla_calendars (id) {
        id -> BigInt,
        name -> Text,
        time_zone -> Text,
        weekly -> Text,
        holidays -> Text,
        holiday_rules -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    escalation_firings (ticket_id, rule_id, trigger_key) {
        ticket_id -> BigInt,
        rule_id -> BigInt,
        trigger_key -> Text,
        fired_at -> Timestamp,
    }
}

diesel::table! {
    escalation_rules (id) {
        id -> BigInt,
        name -> Text,
        active -> Bool,
        conditions -> Text,
        actions -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sla_policies (id) {
        id -> BigInt,
        name -> Text,
        priorities -> Text,
        category -> Nullable<Text>,
        calendar_id -> Nullable<BigInt>,
        first_response_minutes -> Nullable<Integer>,
        next_response_minutes -> Nullable<Integer>,
        resolution_minutes -> Nullable<Integer>,
        warning_percent -> SmallInt,
        pause_statuses -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ticket_sla_targets (ticket_id, kind) {
        ticket_id -> BigInt,
        kind -> Text,
        target_seconds -> BigInt,
        warning_percent -> SmallInt,
        started_at -> Timestamp,
        consumed_before -> BigInt,
        running_since -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        warn_at -> Nullable<Timestamp>,
        warned_at -> Nullable<Timestamp>,
        breached_at -> Nullable<Timestamp>,
        met_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ticket_slas (ticket_id) {
        ticket_id -> BigInt,
        policy_id -> Nullable<BigInt>,
        revision -> BigInt,
        next_deadline -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agent_profiles (user_id) {
        user_id -> BigInt,
        availability -> Text,
        capacity -> Integer,
        last_assigned_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agent_skills (user_id, category) {
        user_id -> BigInt,
        category -> Text,
        level -> Nullable<SmallInt>,
    }
}

diesel::table! {
    attempt_counters (key) {
        key -> Text,
        attempts -> Integer,
        window_started_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    surveys (ticket_id, round) {
        ticket_id -> BigInt,
        round -> Integer,
        trigger -> Text,
        customer_id -> BigInt,
        agent_id -> Nullable<BigInt>,
        category -> Text,
        priority -> SmallInt,
        token_hash -> Text,
        invited_at -> Timestamp,
        expires_at -> Timestamp,
        edit_window_secs -> BigInt,
        rating -> Nullable<SmallInt>,
        comment -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        changed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(email_verifications -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(comments -> users (author_id));
diesel::joinable!(attachments -> comments (comment_id));
diesel::joinable!(ticket_tags -> tickets (ticket_id));
diesel::joinable!(ticket_history -> tickets (ticket_id));
diesel::joinable!(surveys -> tickets (ticket_id));
diesel::joinable!(ticket_sla_targets -> ticket_slas (ticket_id));

diesel::allow_tables_to_appear_in_same_query!(
    surveys,
    attempt_counters,
    email_verifications,
    password_resets,
    agent_profiles,
    agent_skills,
    escalation_firings,
    escalation_rules,
    notifications,
    users,
    sessions,
    categories,
    tickets,
    ticket_tags,
    ticket_history,
    outbox,
    idempotency_keys,
    id_sequences,
    reference_version,
    comments,
    attachments,
    upload_intents,
    sla_calendars,
    sla_policies,
    ticket_sla_targets,
    ticket_slas,
);
