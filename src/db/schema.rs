// Kept by hand in step with migrations/ (there is no diesel CLI in the build);
// `tests/migrations.rs` checks every column here exists in a migrated database.

diesel::table! {
    accounts (id) {
        id -> Int8,
        username -> Text,
        domain -> Nullable<Text>,
        display_name -> Text,
        note -> Text,
        locked -> Bool,
        discoverable -> Bool,
        actor_type -> Text,
        uri -> Nullable<Text>,
        url -> Nullable<Text>,
        inbox_url -> Nullable<Text>,
        shared_inbox_url -> Nullable<Text>,
        outbox_url -> Nullable<Text>,
        followers_url -> Nullable<Text>,
        following_url -> Nullable<Text>,
        public_key_pem -> Text,
        private_key_pem -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_fetched_at -> Nullable<Timestamptz>,
        public_key_id -> Nullable<Text>,
        domain_blocked -> Bool,
        suspended_at -> Nullable<Timestamptz>,
        silenced_at -> Nullable<Timestamptz>,
        sensitized_at -> Nullable<Timestamptz>,
        avatar_key -> Nullable<Text>,
        header_key -> Nullable<Text>,
        avatar_remote_url -> Nullable<Text>,
        header_remote_url -> Nullable<Text>,
        indexable -> Bool,
        moved_to_account_id -> Nullable<Int8>,
    }
}

diesel::table! {
    account_aliases (account_id, uri) {
        account_id -> Int8,
        uri -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        account_id -> Int8,
        email -> Nullable<Text>,
        password_hash -> Text,
        created_at -> Timestamptz,
        last_active_at -> Timestamptz,
        default_visibility -> Int2,
        language -> Nullable<Text>,
        role -> Text,
        approved -> Bool,
        sign_up_reason -> Nullable<Text>,
        invite_id -> Nullable<Int8>,
        disabled -> Bool,
        email_confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    email_tokens (id) {
        id -> Int8,
        user_id -> Int8,
        purpose -> Text,
        token_hash -> Text,
        email -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    outgoing_mail (id) {
        id -> Int8,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    site (id) {
        id -> Int2,
        public_key_pem -> Text,
        private_key_pem -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    statuses (id) {
        id -> Int8,
        account_id -> Int8,
        uri -> Nullable<Text>,
        url -> Nullable<Text>,
        content -> Text,
        spoiler_text -> Text,
        sensitive -> Bool,
        visibility -> Int2,
        language -> Nullable<Text>,
        in_reply_to_id -> Nullable<Int8>,
        reblog_of_id -> Nullable<Int8>,
        local -> Bool,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        text -> Nullable<Text>,
        object_type -> Text,
        title -> Nullable<Text>,
        in_reply_to_uri -> Nullable<Text>,
        in_reply_to_account_id -> Nullable<Int8>,
    }
}

diesel::joinable!(users -> accounts (account_id));
diesel::joinable!(statuses -> accounts (account_id));

diesel::table! {
    outgoing_activities (id) {
        id -> Int8,
        account_id -> Nullable<Int8>,
        activity_uri -> Text,
        body -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Int8,
        outgoing_activity_id -> Int8,
        inbox_url -> Text,
        host -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    delivery_hosts (host) {
        host -> Text,
        failing_since -> Timestamptz,
        consecutive_failures -> Int4,
        unavailable -> Bool,
        next_probe_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(deliveries -> outgoing_activities (outgoing_activity_id));
diesel::joinable!(outgoing_activities -> accounts (account_id));

diesel::table! {
    follows (id) {
        id -> Int8,
        account_id -> Int8,
        target_account_id -> Int8,
        uri -> Nullable<Text>,
        accepted -> Bool,
        created_at -> Timestamptz,
        notify -> Bool,
        resend_count -> Int2,
        resend_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    blocks (id) {
        id -> Int8,
        account_id -> Int8,
        target_account_id -> Int8,
        uri -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    mentions (status_id, account_id) {
        status_id -> Int8,
        account_id -> Int8,
    }
}

diesel::table! {
    status_tags (status_id, name) {
        status_id -> Int8,
        name -> Text,
    }
}

diesel::table! {
    favourites (id) {
        id -> Int8,
        account_id -> Int8,
        status_id -> Int8,
        uri -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    received_activities (uri) {
        uri -> Text,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    home_feed (account_id, status_id) {
        account_id -> Int8,
        status_id -> Int8,
    }
}

diesel::table! {
    tag_follows (id) {
        id -> Int8,
        account_id -> Int8,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    featured_tags (id) {
        id -> Int8,
        account_id -> Int8,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    conversations (id) {
        id -> Int8,
        account_id -> Int8,
        participants -> Array<Int8>,
        last_status_id -> Int8,
        unread -> Bool,
    }
}

diesel::joinable!(mentions -> statuses (status_id));
diesel::joinable!(status_tags -> statuses (status_id));
diesel::joinable!(favourites -> statuses (status_id));

diesel::table! {
    lists (id) {
        id -> Int8,
        account_id -> Int8,
        title -> Text,
        replies_policy -> Text,
        exclusive -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    list_accounts (list_id, account_id) {
        id -> Int8,
        list_id -> Int8,
        account_id -> Int8,
        follow_id -> Nullable<Int8>,
    }
}

diesel::table! {
    filters (id) {
        id -> Int8,
        account_id -> Int8,
        title -> Text,
        context -> Array<Text>,
        action -> Text,
        expires_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    filter_keywords (id) {
        id -> Int8,
        filter_id -> Int8,
        keyword -> Text,
        whole_word -> Bool,
    }
}

diesel::table! {
    filter_statuses (id) {
        id -> Int8,
        filter_id -> Int8,
        status_id -> Int8,
    }
}

diesel::table! {
    relays (id) {
        id -> Int8,
        url -> Text,
        style -> Text,
        inbox_url -> Nullable<Text>,
        actor_uri -> Nullable<Text>,
        follow_uri -> Nullable<Text>,
        state -> Text,
        base_id -> Nullable<Int8>,
        tag -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    relays,
    access_tokens,
    accounts,
    users,
    site,
    statuses,
    delivery_hosts,
    received_activities,
    follows,
    blocks,
    mentions,
    status_tags,
    tag_follows,
    featured_tags,
    conversations,
    favourites,
    lists,
    list_accounts,
    filters,
    filter_keywords,
    filter_statuses,
    outgoing_activities,
    deliveries,
    bookmarks,
    notifications,
    account_warnings,
    import_jobs,
    markers,
    idempotency_keys,
    oauth_apps,
    oauth_codes,
    web_sessions,
    home_feed,
    audit_log,
    invites,
    instance_settings,
    reports,
    media_attachments,
    media_cache_trash,
    polls,
    poll_votes,
    status_pins,
    remote_featured,
    custom_emojis,
    preview_cards,
    status_cards,
    email_tokens,
    outgoing_mail,
    account_aliases,
    groups,
    group_moderators,
    chats,
);

diesel::table! {
    groups (account_id) {
        account_id -> Int8,
        members_only -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    group_moderators (group_id, account_id) {
        group_id -> Int8,
        account_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    access_tokens (id) {
        id -> Int8,
        user_id -> Nullable<Int8>,
        name -> Text,
        token_hash -> Text,
        scopes -> Text,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        app_id -> Nullable<Int8>,
    }
}

diesel::joinable!(access_tokens -> users (user_id));

diesel::table! {
    domain_allows (domain) {
        domain -> Text,
        created_at -> Timestamptz,
        id -> Int8,
    }
}

diesel::table! {
    domain_blocks (domain) {
        domain -> Text,
        created_at -> Timestamptz,
        id -> Int8,
        private_comment -> Nullable<Text>,
        public_comment -> Nullable<Text>,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> Int8,
        account_id -> Int8,
        status_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        account_id -> Int8,
        from_account_id -> Int8,
        #[sql_name = "type"]
        kind -> Text,
        status_id -> Nullable<Int8>,
        reblog_id -> Nullable<Int8>,
        favourite_id -> Nullable<Int8>,
        follow_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        account_warning_id -> Nullable<Int8>,
    }
}

diesel::table! {
    import_jobs (id) {
        id -> Int8,
        account_id -> Int8,
        lines -> Jsonb,
        total -> Int4,
        done -> Int4,
        followed -> Int4,
        failed -> Jsonb,
        heartbeat_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    account_warnings (id) {
        id -> Int8,
        account_id -> Nullable<Int8>,
        target_account_id -> Int8,
        action -> Text,
        text -> Text,
        status_ids -> Array<Int8>,
        report_id -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    markers (account_id, timeline) {
        account_id -> Int8,
        timeline -> Text,
        last_read_id -> Int8,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (account_id, key) {
        account_id -> Int8,
        key -> Text,
        status_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    oauth_apps (id) {
        id -> Int8,
        name -> Text,
        website -> Nullable<Text>,
        redirect_uris -> Text,
        scopes -> Text,
        client_id -> Text,
        client_secret_hash -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    oauth_codes (code_hash) {
        code_hash -> Text,
        app_id -> Int8,
        user_id -> Int8,
        redirect_uri -> Text,
        scopes -> Text,
        code_challenge -> Nullable<Text>,
        expires_at -> Timestamptz,
    }
}

diesel::joinable!(access_tokens -> oauth_apps (app_id));

diesel::table! {
    web_sessions (id) {
        id -> Int8,
        user_id -> Int8,
        session_hash -> Text,
        user_agent -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
    }
}

diesel::joinable!(web_sessions -> users (user_id));

diesel::table! {
    audit_log (id) {
        id -> Int8,
        account_id -> Nullable<Int8>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Int8>,
        target_name -> Text,
        reason -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    instance_settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    invites (id) {
        id -> Int8,
        code -> Text,
        created_by -> Nullable<Int8>,
        max_uses -> Nullable<Int4>,
        uses -> Int4,
        expires_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reports (id) {
        id -> Int8,
        account_id -> Int8,
        target_account_id -> Int8,
        status_ids -> Array<Int8>,
        rule_ids -> Array<Int4>,
        comment -> Text,
        category -> Text,
        forwarded -> Bool,
        uri -> Nullable<Text>,
        assigned_account_id -> Nullable<Int8>,
        action_taken_at -> Nullable<Timestamptz>,
        action_taken_by_account_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    media_attachments (id) {
        id -> Int8,
        account_id -> Int8,
        status_id -> Nullable<Int8>,
        position -> Int2,
        kind -> Text,
        content_type -> Nullable<Text>,
        file_key -> Nullable<Text>,
        thumbnail_key -> Nullable<Text>,
        remote_url -> Nullable<Text>,
        description -> Nullable<Text>,
        blurhash -> Nullable<Text>,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        thumbnail_width -> Nullable<Int4>,
        thumbnail_height -> Nullable<Int4>,
        focus_x -> Float4,
        focus_y -> Float4,
        created_at -> Timestamptz,
        cached_at -> Nullable<Timestamptz>,
        cached_bytes -> Int8,
        cache_failed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    media_cache_trash (key) {
        key -> Text,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    polls (id) {
        id -> Int8,
        status_id -> Int8,
        account_id -> Int8,
        options -> Array<Text>,
        tallies -> Array<Int8>,
        multiple -> Bool,
        hide_totals -> Bool,
        voters_count -> Int8,
        expires_at -> Nullable<Timestamptz>,
        ended_at -> Nullable<Timestamptz>,
        changed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    poll_votes (id) {
        id -> Int8,
        poll_id -> Int8,
        account_id -> Int8,
        choice -> Int2,
        uri -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(poll_votes -> polls (poll_id));

diesel::table! {
    status_pins (account_id, status_id) {
        account_id -> Int8,
        status_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    remote_featured (account_id) {
        account_id -> Int8,
        url -> Nullable<Text>,
        fetched_at -> Nullable<Timestamptz>,
        tags_url -> Nullable<Text>,
    }
}

diesel::table! {
    custom_emojis (id) {
        id -> Int8,
        shortcode -> Text,
        domain -> Nullable<Text>,
        image_url -> Nullable<Text>,
        content_type -> Text,
        data -> Nullable<Bytea>,
        visible_in_picker -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    preview_cards (id) {
        id -> Int8,
        url -> Text,
        title -> Text,
        description -> Text,
        image_url -> Nullable<Text>,
        provider_name -> Text,
        usable -> Bool,
        fetched_at -> Timestamptz,
        kind -> Text,
        author_name -> Text,
        author_url -> Text,
        provider_url -> Text,
        html -> Text,
        embed_url -> Text,
        width -> Int4,
        height -> Int4,
    }
}

diesel::table! {
    status_cards (status_id) {
        status_id -> Int8,
        card_id -> Int8,
    }
}

diesel::joinable!(status_cards -> preview_cards (card_id));

diesel::table! {
    chats (id) {
        id -> Int8,
        host_id -> Int8,
        title -> Text,
        tag -> Text,
        description -> Text,
        starts_local -> Timestamp,
        time_zone -> Text,
        starts_at -> Timestamptz,
        duration_minutes -> Int4,
        rrule -> Nullable<Text>,
        ends_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        cancelled_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(chats -> accounts (host_id));

diesel::table! {
    tag_actors (name) {
        name -> Text,
        account_id -> Int8,
        enabled -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tag_announces (account_id, status_id) {
        account_id -> Int8,
        status_id -> Int8,
        author_id -> Int8,
        object_uri -> Text,
        announced_at -> Timestamptz,
        undone -> Bool,
    }
}

// Kept apart from the list above so the tag actors' tables join what they need.
diesel::allow_tables_to_appear_in_same_query!(tag_actors, tag_announces, accounts);
