//! The translation catalogue: every string the pages show, in every language we
//! ship, in one compile-time table. A message is a `Msg` variant, so a misspelt key
//! does not compile, and the table cannot hold a message without all its languages.
//! Placeholders are written `{name}` and filled by `tf`.

/// The languages the pages are shipped in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// The language's name in itself, for choosing it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
            .as_str()
        {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    /// The language a browser prefers among ours (`Accept-Language`, RFC 9110 §12.5.4):
    /// the highest `q` wins, the earlier of equals; English when none is ours.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let mut best: Option<(Lang, f32)> = None;
        for range in accept_language.unwrap_or("").split(',').take(32) {
            let mut parts = range.split(';');
            let Some(lang) = Lang::from_tag(parts.next().unwrap_or("").trim()) else {
                continue;
            };
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l).unwrap_or(Lang::En)
    }
}

macro_rules! catalogue {
    ($($key:ident => $en:literal, $de:literal;)*) => {
        /// A message of the catalogue.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Msg { $($key),* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];
        }

        /// A message in `lang`.
        pub fn t(lang: Lang, msg: Msg) -> &'static str {
            match lang {
                Lang::En => match msg { $(Msg::$key => $en),* },
                Lang::De => match msg { $(Msg::$key => $de),* },
            }
        }
    };
}

catalogue! {
    SignInTitle => "Sign in", "Anmelden";
    SignInIntro => "Sign in with the username (or email) and password your administrator gave you.",
        "Melde dich mit dem Benutzernamen (oder der E-Mail-Adresse) und dem Passwort an, die du von deiner Administration bekommen hast.";
    UsernameOrEmail => "Username or email", "Benutzername oder E-Mail";
    Password => "Password", "Passwort";
    SignInButton => "Sign in", "Anmelden";
    SignOut => "Sign out", "Abmelden";
    WrongPassword => "Wrong username or password.", "Benutzername oder Passwort ist falsch.";
    TooManyAttempts => "Too many failed sign-in attempts. Wait {minutes} minutes, then try again.",
        "Zu viele fehlgeschlagene Anmeldeversuche. Warte {minutes} Minuten und versuche es dann noch einmal.";
    FormRefusedTitle => "Form not accepted", "Formular nicht angenommen";
    FormRefused => "This form has expired or did not come from this site, so nothing was changed. Go back, reload the page and try again.",
        "Dieses Formular ist abgelaufen oder stammt nicht von dieser Seite, daher wurde nichts geändert. Geh zurück, lade die Seite neu und versuche es noch einmal.";
    ErrorTitle => "That did not work", "Das hat nicht geklappt";
    BackHome => "Back to your home timeline", "Zurück zu deiner Startseite";
    MainNavigation => "Main navigation", "Hauptnavigation";
    SkipToContent => "Skip to content", "Zum Inhalt springen";
    Home => "Home", "Startseite";
    LocalTimeline => "Local", "Lokal";
    FederatedTimeline => "Federated", "Föderiert";
    LocalTimelineTitle => "Posts from this server", "Beiträge von diesem Server";
    FederatedTimelineTitle => "Posts from the whole network", "Beiträge aus dem ganzen Netzwerk";
    TagTitle => "Posts tagged #{tag}", "Beiträge mit #{tag}";
    SignedInAs => "Signed in as {handle}", "Angemeldet als {handle}";
    Footer => "Staffroom — a home for teachers in the fediverse.", "Staffroom – ein Zuhause für Lehrkräfte im Fediverse.";
    ComposeTitle => "New post", "Neuer Beitrag";
    ReplyTitle => "Your reply", "Deine Antwort";
    PostText => "Post text", "Beitragstext";
    ContentWarning => "Content warning", "Inhaltswarnung";
    ContentWarningHint => "Optional: a short note shown before the post, such as a spoiler warning.",
        "Optional: ein kurzer Hinweis, der vor dem Beitrag erscheint, zum Beispiel eine Spoilerwarnung.";
    AttachImage => "Image (JPEG, PNG, WebP or GIF)", "Bild (JPEG, PNG, WebP oder GIF)";
    ImageDescription => "Image description (alt text)", "Bildbeschreibung (Alternativtext)";
    ImageDescriptionHint => "Say what the image shows, for those who cannot see it.",
        "Beschreiben Sie, was das Bild zeigt, für alle, die es nicht sehen können.";
    RemoteImage => "Image on its server", "Bild auf seinem Server";
    Poll => "Poll", "Umfrage";
    Vote => "Vote", "Abstimmen";
    OneVote => "{count} vote", "{count} Stimme";
    Votes => "{count} votes", "{count} Stimmen";
    PollEnds => "ends {time}", "endet {time}";
    PollEnded => "closed", "beendet";
    PollHidden => "results when the poll ends", "Ergebnis nach dem Ende der Umfrage";
    YourChoice => "your choice", "deine Wahl";
    AddPoll => "Add a poll", "Umfrage hinzufügen";
    PollOption => "Option {n}", "Antwort {n}";
    PollDuration => "Poll ends after", "Umfrage endet nach";
    FiveMinutes => "5 minutes", "5 Minuten";
    OneHour => "1 hour", "1 Stunde";
    OneDay => "1 day", "1 Tag";
    OneWeek => "1 week", "1 Woche";
    PollMultiple => "Allow several choices", "Mehrfachauswahl erlauben";
    PinnedHeading => "Pinned posts", "Angeheftete Beiträge";
    FeaturedTagsHeading => "Featured hashtags", "Empfohlene Hashtags";
    SensitiveMedia => "Sensitive content: show the images", "Heikler Inhalt: Bilder anzeigen";
    Pin => "Pin to profile", "Im Profil anheften";
    Unpin => "Unpin from profile", "Vom Profil lösen";
    Visibility => "Visibility", "Sichtbarkeit";
    VisibilityPublic => "Public", "Öffentlich";
    VisibilityUnlisted => "Unlisted (public, but not in public timelines)", "Nicht gelistet (öffentlich, aber nicht in öffentlichen Zeitleisten)";
    VisibilityPrivate => "Followers only", "Nur für Folgende";
    VisibilityDirect => "Mentioned people only", "Nur für Erwähnte";
    PostButton => "Post", "Veröffentlichen";
    TimelineTitle => "Your home timeline", "Deine Startseite";
    TimelineEmpty => "Nothing here yet. Follow other teachers to see their posts here.",
        "Hier ist noch nichts. Folge anderen Lehrkräften, um ihre Beiträge hier zu sehen.";
    ListEmpty => "No posts here yet.", "Hier gibt es noch keine Beiträge.";
    LoadMore => "Load more", "Mehr laden";
    BoostedBy => "{name} boosted", "{name} hat geteilt";
    FilteredPost => "Filtered: {titles}", "Gefiltert: {titles}";
    ListsNav => "Lists", "Listen";
    ListsTitle => "Your lists", "Deine Listen";
    ListsEmpty => "You have no lists yet. A list gathers people you follow into a timeline of its own.",
        "Du hast noch keine Listen. Eine Liste sammelt Leute, denen du folgst, in einer eigenen Zeitleiste.";
    NewList => "New list", "Neue Liste";
    ListTitleLabel => "Title", "Titel";
    ListExclusiveLabel => "Keep their posts out of my home timeline", "Ihre Beiträge nicht auf meiner Startseite zeigen";
    CreateList => "Create list", "Liste anlegen";
    ListIsExclusive => "Posts of the people in this list are not shown in your home timeline.",
        "Beiträge der Leute in dieser Liste erscheinen nicht auf deiner Startseite.";
    ListMembers => "People in this list", "Leute in dieser Liste";
    ListNoMembers => "Nobody is in this list yet.", "In dieser Liste ist noch niemand.";
    ListPosts => "Posts", "Beiträge";
    AddToListLabel => "Someone you follow", "Jemand, dem du folgst";
    AddToList => "Add to list", "Zur Liste hinzufügen";
    RemoveFromList => "Remove", "Entfernen";
    RemoveFromListNamed => "Remove {name} from the list", "{name} aus der Liste entfernen";
    DeleteList => "Delete list", "Liste löschen";
    ShowPost => "Show post", "Beitrag anzeigen";
    Edited => "edited", "bearbeitet";
    Reply => "Reply", "Antworten";
    Boost => "Boost", "Teilen";
    Like => "Like", "Gefällt mir";
    Bookmark => "Bookmark", "Lesezeichen";
    Delete => "Delete", "Löschen";
    Edit => "Edit", "Bearbeiten";
    Follow => "Follow", "Folgen";
    Unfollow => "Unfollow", "Entfolgen";
    FollowRequested => "You asked to follow; the request waits for approval.", "Du hast angefragt zu folgen; die Anfrage wartet auf Bestätigung.";
    FollowsYou => "Follows you.", "Folgt dir.";
    PostsHeading => "Posts", "Beiträge";
    EditTitle => "Edit your post", "Beitrag bearbeiten";
    SaveButton => "Save", "Speichern";
    PostActions => "Actions", "Aktionen";
    ThreadTitle => "Thread", "Unterhaltung";
    Replies => "{count} replies", "{count} Antworten";
    OneReply => "{count} reply", "{count} Antwort";
    Boosts => "{count} boosts", "{count}-mal geteilt";
    OneBoost => "{count} boost", "{count}-mal geteilt";
    Likes => "{count} likes", "{count}-mal gefällt das";
    OneLike => "{count} like", "{count}-mal gefällt das";
    FrontTitle => "Staffroom on {domain}", "Staffroom auf {domain}";
    FrontIntro => "A server for teachers' learning networks in the fediverse. Follow the people here from Mastodon or any other fediverse app.",
        "Ein Server für die Lernnetzwerke von Lehrkräften im Fediverse. Folge den Menschen hier mit Mastodon oder einer anderen Fediverse-App.";
    People => "People", "Menschen";
    NoAccounts => "No accounts yet. An administrator creates them with", "Noch keine Konten. Die Administration legt sie an mit";
    AboutTitle => "About {domain}", "Über {domain}";
    AboutText => "This server runs Staffroom {version}, free software licensed AGPL-3.0-or-later, speaking ActivityPub with Mastodon and the rest of the fediverse.",
        "Auf diesem Server läuft Staffroom {version}, freie Software unter der AGPL-3.0-or-later, die per ActivityPub mit Mastodon und dem übrigen Fediverse spricht.";
    About => "About", "Über";
    ApprovesFollowers => "This account approves its followers.", "Dieses Konto bestätigt, wer ihm folgt.";
    Joined => "Joined {date}.", "Dabei seit {date}.";
    FollowHintBefore => "To follow {name}, search for", "Um {name} zu folgen, suche nach";
    FollowHintAfter => "in your Mastodon app or any other fediverse app.", "in deiner Mastodon-App oder einer anderen Fediverse-App.";
    PostBy => "{name}'s post", "Beitrag von {name}";
    SessionsNav => "Sessions", "Sitzungen";
    SessionsTitle => "Where you are signed in", "Wo du angemeldet bist";
    SessionsIntro => "Each browser you signed in with. Revoke the ones you do not recognise or no longer use: they are signed out at once.",
        "Jeder Browser, mit dem du dich angemeldet hast. Widerrufe die, die du nicht kennst oder nicht mehr benutzt: Sie werden sofort abgemeldet.";
    SessionTimes => "Signed in {created}, last used {seen}", "Angemeldet am {created}, zuletzt benutzt am {seen}";
    ThisBrowser => "This browser", "Dieser Browser";
    UnknownBrowser => "Unknown browser", "Unbekannter Browser";
    Revoke => "Revoke", "Widerrufen";
    PasswordNav => "Password", "Passwort";
    PasswordTitle => "Change your password", "Passwort ändern";
    PasswordIntro => "After the change, every other browser signed in as you is signed out.",
        "Nach der Änderung werden alle anderen Browser, in denen du angemeldet bist, abgemeldet.";
    CurrentPassword => "Current password", "Aktuelles Passwort";
    NewPassword => "New password", "Neues Passwort";
    NewPasswordHint => "At least 8 characters.", "Mindestens 8 Zeichen.";
    ChangePasswordButton => "Change password", "Passwort ändern";
    PasswordChanged => "Your password has been changed.", "Dein Passwort wurde geändert.";
    WrongCurrentPassword => "The current password is wrong.", "Das aktuelle Passwort ist falsch.";
    Search => "Search", "Suche";
    SearchButton => "Search", "Suchen";
    SearchTitle => "Search", "Suche";
    SearchIntro => "Find teachers by name here, or by their address on any server (@name@school.example), a post by its link, or a #hashtag.",
        "Finde Lehrkräfte hier über ihren Namen oder auf jedem Server über ihre Adresse (@name@schule.example), einen Beitrag über seinen Link oder einen #Hashtag.";
    SearchResultsFor => "Results for “{query}”", "Ergebnisse für „{query}“";
    SearchNothing => "Nothing found. For someone on another server, search for their whole address, such as @name@school.example.",
        "Nichts gefunden. Suche jemanden auf einem anderen Server mit der ganzen Adresse, zum Beispiel @name@schule.example.";
    Hashtags => "Hashtags", "Hashtags";
    Block => "Block", "Blockieren";
    Unblock => "Unblock", "Nicht mehr blockieren";
    YouBlock => "You block this account: neither of you sees the other's posts.", "Du blockierst dieses Konto: Ihr seht die Beiträge des anderen nicht.";
    RemoteProfileNote => "This account is on another server; here are the posts that reached this one.",
        "Dieses Konto ist auf einem anderen Server; hier stehen die Beiträge, die diesen Server erreicht haben.";
    ViewOnTheirServer => "See the whole profile on their server", "Das ganze Profil auf ihrem Server ansehen";
    FollowerCount => "{count} followers", "{count} Folgende";
    OneFollower => "{count} follower", "{count} folgende Person";
    FollowingCount => "{count} following", "folgt {count}";
    PostCount => "{count} posts", "{count} Beiträge";
    OnePost => "{count} post", "{count} Beitrag";
    FollowersOf => "{name}'s followers", "Wer {name} folgt";
    FollowingOf => "Whom {name} follows", "Wem {name} folgt";
    NoFollowers => "No followers known here yet.", "Hier sind noch keine Folgenden bekannt.";
    NoFollowing => "Follows nobody known here yet.", "Folgt noch niemandem, der hier bekannt ist.";
    BackToProfile => "Back to {name}'s profile", "Zurück zum Profil von {name}";
    RemoteListNote => "This account is on another server: only the people this server knows are listed.",
        "Dieses Konto ist auf einem anderen Server: Aufgeführt sind nur die Menschen, die dieser Server kennt.";
    FollowRequestsNav => "Follow requests", "Folgeanfragen";
    FollowRequestsTitle => "Follow requests", "Folgeanfragen";
    FollowRequestsIntro => "Your account approves its followers. Approve the people you want to see your followers-only posts.",
        "Dein Konto bestätigt, wer ihm folgt. Bestätige die Menschen, die deine Beiträge „Nur für Folgende“ sehen sollen.";
    FollowRequestsUnlocked => "Your account is not locked: everyone who follows you is approved at once. You can lock it in your profile settings.",
        "Dein Konto ist nicht geschützt: Wer dir folgt, wird sofort bestätigt. Du kannst es in den Profileinstellungen schützen.";
    NoFollowRequests => "No one is waiting for an answer.", "Niemand wartet auf eine Antwort.";
    Approve => "Approve", "Bestätigen";
    AnswerFollowRequests => "Answer your follow requests", "Deine Folgeanfragen beantworten";
    Reject => "Reject", "Ablehnen";
    SettingsNav => "Settings", "Einstellungen";
    ProfileSettingsNav => "Profile", "Profil";
    ProfileSettingsTitle => "Your profile and preferences", "Dein Profil und deine Vorlieben";
    ProfileLegend => "What others see", "Was andere sehen";
    DisplayName => "Display name", "Anzeigename";
    AvatarLegend => "Profile picture", "Profilbild";
    AvatarField => "New picture (JPEG, PNG, WebP or GIF; cut to a square)", "Neues Bild (JPEG, PNG, WebP oder GIF; wird quadratisch zugeschnitten)";
    AvatarButton => "Upload picture", "Bild hochladen";
    YourAvatar => "Your current profile picture", "Dein aktuelles Profilbild";
    AvatarOnItsServer => "Profile picture on its server", "Profilbild auf seinem Server";
    HeaderOnItsServer => "Header image on its server", "Titelbild auf seinem Server";
    Bio => "Bio", "Über mich";
    BioHint => "A few words about you and what you teach. Links and #hashtags work as in posts.",
        "Ein paar Worte über dich und was du unterrichtest. Links und #Hashtags funktionieren wie in Beiträgen.";
    Locked => "Approve followers by hand", "Folgende von Hand bestätigen";
    LockedHint => "New followers wait on your follow requests page until you approve them.",
        "Neue Folgende warten auf der Seite mit den Folgeanfragen, bis du sie bestätigst.";
    Discoverable => "Let people find this account", "Dieses Konto auffindbar machen";
    DiscoverableHint => "Your name is suggested in searches here and may be listed by other servers.",
        "Dein Name wird hier bei der Suche vorgeschlagen und darf von anderen Servern aufgeführt werden.";
    Indexable => "Let people search my public posts", "Meine öffentlichen Beiträge durchsuchbar machen";
    IndexableHint => "Anyone on this server (and servers that honour it) may find your public posts by their words. Your own posts and those you interacted with are always searchable for you.",
        "Alle auf diesem Server (und Server, die es beachten) dürfen deine öffentlichen Beiträge über ihre Wörter finden. Deine eigenen Beiträge und die, mit denen du interagiert hast, kannst du immer durchsuchen.";
    PreferencesLegend => "Your preferences", "Deine Vorlieben";
    DefaultVisibility => "Default visibility", "Standard-Sichtbarkeit";
    Language => "Language", "Sprache";
    BrowserLanguage => "The browser's language", "Die Sprache des Browsers";
    SettingsSaved => "Your settings have been saved.", "Deine Einstellungen wurden gespeichert.";
    AppsNav => "Apps", "Apps";
    AppsTitle => "Apps that use your account", "Apps, die dein Konto benutzen";
    AppsIntro => "Each app you allowed to use your account. Revoke the ones you no longer use: they lose access at once.",
        "Jede App, der du die Nutzung deines Kontos erlaubt hast. Widerrufe die, die du nicht mehr benutzt: Sie verlieren den Zugang sofort.";
    NoApps => "No app uses your account.", "Keine App benutzt dein Konto.";
    AppMayDo => "May: {scopes}", "Darf: {scopes}";
    AppAuthorized => "Allowed {when}", "Erlaubt am {when}";
    AppLastUsed => "last used {when}", "zuletzt benutzt am {when}";
    AuthorizeTitle => "Allow {app}?", "{app} erlauben?";
    AuthorizeIntro => "{app} asks to use your account {handle} on this server. It will be able to:",
        "{app} möchte dein Konto {handle} auf diesem Server benutzen. Die App wird Folgendes dürfen:";
    AuthorizeNotYou => "Not you? Sign out first, then come back from the app.", "Nicht du? Melde dich zuerst ab und komm dann aus der App zurück.";
    Allow => "Allow", "Erlauben";
    Deny => "Deny", "Ablehnen";
    ScopeRead => "see your posts, timelines, follows and other account data", "deine Beiträge, Zeitleisten, Folgen und andere Kontodaten sehen";
    ScopeWrite => "post, edit and delete for you, and change your account", "für dich veröffentlichen, bearbeiten und löschen und dein Konto ändern";
    ScopeFollow => "follow, unfollow and block accounts for you", "für dich Konten folgen, entfolgen und blockieren";
    ScopePush => "receive notifications for you", "Mitteilungen für dich empfangen";
    ScopeProfile => "see your profile", "dein Profil sehen";
    ScopeAdmin => "use your moderation and administration rights for you", "deine Moderations- und Verwaltungsrechte für dich nutzen";
    ScopeOther => "access your account", "auf dein Konto zugreifen";
    OpenThread => "Open the thread to reply", "Unterhaltung öffnen, um zu antworten";
    MentionSuggestions => "People to mention", "Menschen zum Erwähnen";
    CharactersLeft => "{count} characters left", "noch {count} Zeichen";
    NewPostsArrived => "{count} new posts at the top", "{count} neue Beiträge oben";
    NotificationsNav => "Notifications", "Mitteilungen";
    NotificationsTitle => "Notifications", "Mitteilungen";
    NotificationsEmpty => "No notifications yet.", "Noch keine Mitteilungen.";
    NotifiedMention => "{name} mentioned you", "{name} hat dich erwähnt";
    NotifiedFavourite => "{name} liked your post", "{name} gefällt dein Beitrag";
    NotifiedReblog => "{name} boosted your post", "{name} hat deinen Beitrag geteilt";
    NotifiedFollow => "{name} followed you", "{name} folgt dir jetzt";
    NotifiedFollowRequest => "{name} asked to follow you", "{name} möchte dir folgen";
    NotifiedStatus => "{name} posted", "{name} hat etwas veröffentlicht";
    NotifiedUpdate => "{name} edited a post", "{name} hat einen Beitrag bearbeitet";
    NotifiedOther => "{name} did something", "{name} hat etwas getan";
    SignUpTitle => "Sign up", "Registrieren";
    SignUpIntro => "Make an account on {domain}.", "Lege ein Konto auf {domain} an.";
    SignUpInvited => "You have been invited: your account can be used at once.", "Du wurdest eingeladen: Dein Konto ist sofort nutzbar.";
    SignUpNeedsApproval => "An admin reads your request before your account can be used.",
        "Eine Person aus der Administration liest deine Anfrage, bevor dein Konto nutzbar ist.";
    Username => "Username", "Benutzername";
    UsernameHint => "Letters, digits and underscores, at most 30.", "Buchstaben, Ziffern und Unterstriche, höchstens 30.";
    EmailOptional => "Email (optional)", "E-Mail (optional)";
    SignUpReason => "Why do you want to join?", "Warum möchtest du beitreten?";
    RulesHeading => "Rules of this server", "Regeln dieses Servers";
    NoRules => "This server has not written down any rules beyond being kind.", "Dieser Server hat außer Freundlichkeit keine Regeln aufgeschrieben.";
    AcceptRules => "I accept the rules of this server", "Ich akzeptiere die Regeln dieses Servers";
    SignUpButton => "Sign up", "Registrieren";
    SignUpsClosed => "Sign-ups are closed on this server. Ask its admins for an account.",
        "Auf diesem Server kann man sich nicht selbst registrieren. Bitte die Administration um ein Konto.";
    InviteNeeded => "This server takes new members by invite only. Ask its admins for an invite.",
        "Dieser Server nimmt neue Mitglieder nur mit Einladung auf. Bitte die Administration um eine Einladung.";
    InviteInvalid => "This invite is no longer valid: it has expired or has been used up.",
        "Diese Einladung gilt nicht mehr: Sie ist abgelaufen oder aufgebraucht.";
    SignUpPendingTitle => "Waiting for approval", "Wartet auf Freigabe";
    SignUpPending => "Thank you! Your account @{name} waits for an admin's approval; you can sign in once it is approved.",
        "Danke! Dein Konto @{name} wartet auf die Freigabe durch die Administration; danach kannst du dich anmelden.";
    AdminNav => "Admin", "Verwaltung";
    AdminNavigation => "Admin pages", "Verwaltungsseiten";
    AdminAccounts => "Accounts", "Konten";
    AdminReports => "Reports", "Meldungen";
    AdminJoining => "Joining", "Beitritt";
    AdminAudit => "Audit log", "Protokoll";
    AdminRelays => "Relays", "Relays";
    RelaysIntro => "Relays bring public posts of the wider fediverse here, so hashtag timelines, followed hashtags and search show more than what reached this server through follows, and they carry our public posts to other servers. Give a relay's inbox (Mastodon-style, …/inbox), its actor (LitePub-style, …/actor), or a base of per-hashtag relays ending in /tag/ (each hashtag teachers here follow or feature is then subscribed).",
        "Relays bringen öffentliche Beiträge aus dem weiteren Fediverse hierher, sodass Hashtag-Zeitleisten, gefolgte Hashtags und die Suche mehr zeigen als das, was über Folgen hier ankam, und sie tragen unsere öffentlichen Beiträge zu anderen Servern. Gib die Inbox eines Relays an (Mastodon-Art, …/inbox), seinen Akteur (LitePub-Art, …/actor) oder eine Basis für Relays pro Hashtag, die auf /tag/ endet (dann wird jeder Hashtag abonniert, dem Lehrkräfte hier folgen oder den sie hervorheben).";
    RelayUrlLabel => "Relay URL", "Adresse des Relays";
    AddRelay => "Add relay", "Relay hinzufügen";
    RemoveRelay => "Remove {url}", "{url} entfernen";
    RelayStyleHeading => "Style", "Art";
    RelayPending => "waiting for the relay's answer", "wartet auf die Antwort des Relays";
    RelayAccepted => "accepted", "angenommen";
    RelayRejected => "rejected", "abgelehnt";
    RelayPerHashtag => "per hashtag", "pro Hashtag";
    NoRelays => "No relays yet.", "Noch keine Relays.";
    RoleHeading => "Role", "Rolle";
    StateHeading => "State", "Zustand";
    RoleOf => "Role of {handle}", "Rolle von {handle}";
    ChangeRole => "Change role", "Rolle ändern";
    RoleOwner => "Owner", "Eigentümer:in";
    RoleAdmin => "Admin", "Administration";
    RoleModerator => "Moderator", "Moderation";
    RoleMember => "Member", "Mitglied";
    StatePending => "Waiting for approval:", "Wartet auf Freigabe:";
    StateSuspended => "Suspended.", "Gesperrt.";
    StateLimited => "Limited.", "Eingeschränkt.";
    StateDisabled => "Login disabled.", "Anmeldung deaktiviert.";
    ApproveAccount => "Approve {handle}", "{handle} freigeben";
    RejectAccount => "Reject {handle}", "{handle} ablehnen";
    SuspendAccount => "Suspend {handle}", "{handle} sperren";
    UnsuspendAccount => "Unsuspend {handle}", "Sperre von {handle} aufheben";
    LimitAccount => "Limit {handle}", "{handle} einschränken";
    UnlimitAccount => "Lift the limit on {handle}", "Einschränkung von {handle} aufheben";
    NoReports => "No open reports.", "Keine offenen Meldungen.";
    ReportAbout => "Report about {handle}", "Meldung zu {handle}";
    ReportedBy => "Reported by {handle} on {date}", "Gemeldet von {handle} am {date}";
    AssignedTo => "Assigned to {handle}.", "Zugewiesen an {handle}.";
    AssignToMe => "Assign to me", "Mir zuweisen";
    Unassign => "Unassign", "Zuweisung aufheben";
    ReopenReport => "Reopen", "Wieder öffnen";
    OpenReports => "Open reports", "Offene Meldungen";
    ResolvedReports => "Resolved reports", "Erledigte Meldungen";
    ActionOn => "What to do about {handle}", "Was mit {handle} geschieht";
    ActionNone => "Nothing (resolve only)", "Nichts (nur erledigen)";
    ActionWarn => "Warn", "Verwarnen";
    ActionLimit => "Limit (posts reach followers only)", "Einschränken (Beiträge nur für Folgende)";
    ActionSuspend => "Suspend", "Sperren";
    ActionNote => "Note (a warning's note is shown to the teacher; kept in the audit log)",
        "Notiz (bei einer Verwarnung sieht die Lehrkraft sie; sie steht im Protokoll)";
    ReasonLabel => "Reason", "Grund";
    DeletePostAsModerator => "Delete this post", "Diesen Beitrag löschen";
    WarningFor => "Note for {handle}", "Notiz an {handle}";
    WarnAccount => "Warn {handle}", "{handle} verwarnen";
    AdminRemoteAccounts => "Accounts on other servers", "Konten auf anderen Servern";
    AdminFederation => "Federation", "Föderation";
    FederationModeOpen => "This server federates with every server that is not blocked.",
        "Dieser Server föderiert mit allen Servern, die nicht gesperrt sind.";
    FederationModeAllowlist => "This server federates only with the servers allowed below (STAFFROOM_FEDERATION_MODE=allowlist).",
        "Dieser Server föderiert nur mit den unten erlaubten Servern (STAFFROOM_FEDERATION_MODE=allowlist).";
    BlockedServers => "Blocked servers", "Gesperrte Server";
    NoBlockedServers => "No server is blocked.", "Kein Server ist gesperrt.";
    ServerName => "Server (host name)", "Server (Hostname)";
    PrivateComment => "Comment for staff", "Kommentar für die Moderation";
    PublicComment => "Public comment", "Öffentlicher Kommentar";
    BlockServer => "Block the server", "Server sperren";
    UnblockServer => "Unblock {domain}", "Sperre von {domain} aufheben";
    AllowedServers => "Allowed servers (allowlist mode)", "Erlaubte Server (Allowlist-Modus)";
    AllowServer => "Allow the server", "Server erlauben";
    DisallowServer => "Remove {domain} from the allowlist", "{domain} von der Allowlist nehmen";
    InvitesByLabel => "Who may make invites", "Wer einladen darf";
    InvitesByAdmins => "Admins", "Die Administration";
    InvitesByStaff => "Admins and moderators", "Administration und Moderation";
    InvitesByEveryone => "Every teacher here", "Alle Lehrkräfte hier";
    InvitesNav => "Invites", "Einladungen";
    InvitesIntro => "Invite colleagues: whoever opens the link may sign up here.",
        "Lade Kolleg:innen ein: Wer den Link öffnet, kann sich hier registrieren.";
    InvitesByAdminsOnly => "On this server, invites are made by its admins. Ask them to invite a colleague.",
        "Auf diesem Server lädt die Administration ein. Bitte sie, eine Kollegin oder einen Kollegen einzuladen.";
    ResolveReport => "Resolve", "Erledigt";
    RegistrationsLabel => "Who may sign up", "Wer sich registrieren darf";
    ModeClosed => "Nobody (admins make accounts)", "Niemand (die Administration legt Konten an)";
    ModeInviteOnly => "People with an invite", "Menschen mit Einladung";
    ModeApproval => "Anyone, after approval", "Alle, nach Freigabe";
    ModeOpen => "Anyone", "Alle";
    InvitesHeading => "Invites", "Einladungen";
    InviteMaxUses => "How many may use it (empty: no limit)", "Wie viele sie nutzen dürfen (leer: unbegrenzt)";
    InviteExpiresIn => "Days until it expires (empty: never)", "Tage bis zum Ablauf (leer: nie)";
    MakeInvite => "Make an invite", "Einladung erstellen";
    InviteMade => "New invite:", "Neue Einladung:";
    InviteUses => "used {uses} of {max} times", "{uses} von {max} Mal genutzt";
    InviteExpires => "expires {date}", "läuft ab am {date}";
    AuditWhen => "When", "Wann";
    AuditWho => "Who", "Wer";
    AuditWhat => "What", "Was";
    AuditTarget => "On what", "Woran";
    AuditWhy => "Why", "Warum";
    CommandLine => "(command line)", "(Kommandozeile)";
    ForgotPassword => "Forgot your password?", "Passwort vergessen?";
    PasswordResetTitle => "Set a new password", "Neues Passwort festlegen";
    PasswordResetIntro => "Give your username or email address: we mail a link to set a new password to the confirmed address of your account.",
        "Gib deinen Benutzernamen oder deine E-Mail-Adresse an: Wir schicken einen Link zum Festlegen eines neuen Passworts an die bestätigte Adresse deines Kontos.";
    PasswordResetNoMail => "This server sends no mail: ask its administrators to reset your password.",
        "Dieser Server verschickt keine E-Mails: Bitte die Administration, dein Passwort zurückzusetzen.";
    PasswordResetButton => "Mail me a link", "Link schicken";
    PasswordResetSent => "If that account has a confirmed email address, a link is on its way there. It works once, for an hour.",
        "Wenn dieses Konto eine bestätigte E-Mail-Adresse hat, ist ein Link dorthin unterwegs. Er funktioniert einmal, eine Stunde lang.";
    SetPasswordButton => "Set the new password", "Neues Passwort festlegen";
    PasswordResetDone => "Your new password is set, and every other session of yours has ended. Sign in with it now.",
        "Dein neues Passwort ist festgelegt, alle anderen Sitzungen sind beendet. Melde dich jetzt damit an.";
    LinkInvalid => "This link is not valid: it has been used already or has expired. Ask for a new one.",
        "Dieser Link ist ungültig: Er wurde schon benutzt oder ist abgelaufen. Fordere einen neuen an.";
    EmailConfirmedTitle => "Email address confirmed", "E-Mail-Adresse bestätigt";
    MovingNav => "Moving", "Umzug";
    ContactHeading => "Contact", "Kontakt";
    InstanceProfileHeading => "About this instance", "Über diese Instanz";
    InstanceDescription => "Description (shown on the about page and to apps)", "Beschreibung (auf der Info-Seite und in Apps)";
    InstanceContact => "Contact email", "Kontakt-E-Mail";
    InstanceRules => "Rules, one per line", "Regeln, eine pro Zeile";
    ModeratorsSaid => "From the moderators", "Von der Moderation";
    ToldWarning => "The moderators sent you a warning.", "Die Moderation hat dich verwarnt.";
    ToldSensitive => "The moderators marked your media as sensitive.", "Die Moderation hat deine Medien als heikel markiert.";
    ToldDisable => "The moderators disabled your login.", "Die Moderation hat deine Anmeldung gesperrt.";
    ToldSilence => "The moderators limited your account: your posts reach only your followers.", "Die Moderation hat dein Konto eingeschränkt: Deine Beiträge erreichen nur deine Follower.";
    ToldSuspend => "The moderators suspended your account.", "Die Moderation hat dein Konto gesperrt.";
    AliasesHeading => "Moving here from another account", "Von einem anderen Konto hierher umziehen";
    AliasesIntro => "Before you move an account from another server to this one, name it here (name@server.example, one a line): the other server then lets it move here and its followers follow you here.",
        "Bevor du ein Konto von einem anderen Server hierher umziehst, nenne es hier (name@server.example, eines pro Zeile): Dann lässt der andere Server es hierher umziehen, und seine Follower folgen dir hier.";
    AliasesLabel => "Your other accounts (aliases)", "Deine anderen Konten (Aliasse)";
    MoveHeading => "Moving this account away", "Dieses Konto umziehen";
    MoveIntro => "Name your new account (name@server.example). First add {handle} to its aliases there. Your followers then follow the new account.",
        "Nenne dein neues Konto (name@server.example). Trage dort zuerst {handle} als Alias ein. Deine Follower folgen dann dem neuen Konto.";
    MoveTarget => "New account", "Neues Konto";
    MoveButton => "Move my followers", "Follower umziehen";
    MoveDone => "Moved: your followers are being told.", "Umgezogen: Deine Follower werden benachrichtigt.";
    MovedTo => "This account has moved to {target}.", "Dieses Konto ist umgezogen nach {target}.";
    HasMovedTo => "{name} has moved to", "{name} ist umgezogen nach";
    MovingTitle => "Moving: import and export", "Umzug: Import und Export";
    ImportHeading => "Import follows", "Gefolgte Konten importieren";
    ImportIntro => "Follow everyone you followed elsewhere: choose the following_accounts.csv of a Mastodon export (Preferences → Import and export → Data export).",
        "Folge allen, denen du anderswo gefolgt bist: Wähle die following_accounts.csv eines Mastodon-Exports (Einstellungen → Importieren und exportieren → Datenexport).";
    ImportFile => "Follows file (CSV)", "Datei mit gefolgten Konten (CSV)";
    ImportButton => "Import", "Importieren";
    ImportDone => "Followed {followed} accounts; {failed} lines failed.", "{followed} Konten gefolgt; {failed} Zeilen fehlgeschlagen.";
    ImportRunning => "Importing: looked up {done} of {total} accounts, followed {followed} so far.",
        "Import läuft: {done} von {total} Konten nachgeschlagen, {followed} bisher gefolgt.";
    ImportLatest => "Your last import", "Dein letzter Import";
    ImportFailedCaption => "Lines that were not imported", "Nicht importierte Zeilen";
    ImportLine => "Line", "Zeile";
    ImportAccount => "Account", "Konto";
    ImportWhy => "Why", "Warum";
    ExportHeading => "Export your data", "Deine Daten exportieren";
    ExportFollows => "Follows (following_accounts.csv)", "Gefolgte Konten (following_accounts.csv)";
    ExportBookmarks => "Bookmarks (bookmarks.csv)", "Lesezeichen (bookmarks.csv)";
    ExportPosts => "Posts (outbox.json, ActivityPub)", "Beiträge (outbox.json, ActivityPub)";
    EmailConfirmed => "Thank you, @{name}: your email address is confirmed.", "Danke, @{name}: Deine E-Mail-Adresse ist bestätigt.";
    GroupsNav => "Groups", "Gruppen";
    GroupsTitle => "Groups", "Gruppen";
    GroupsIntro => "Subject groups hosted here. People on any server join by following a group; a member's post that mentions it goes to all members.",
        "Fachgruppen auf diesem Server. Man tritt von jedem Server aus bei, indem man der Gruppe folgt; ein Beitrag eines Mitglieds, der sie erwähnt, geht an alle Mitglieder.";
    NoGroups => "No groups yet.", "Noch keine Gruppen.";
    GroupClosed => "Joining needs a moderator's approval", "Beitritt nach Freigabe durch die Moderation";
    GroupOpen => "Anyone may join", "Alle dürfen beitreten";
    GroupMembersOnly => "Posts go to members only", "Beiträge nur für Mitglieder";
    ModerateGroup => "Moderate", "Moderieren";
    NewGroup => "Start a group", "Gruppe gründen";
    GroupNameLabel => "Name (letters, digits and _; the group's address)", "Name (Buchstaben, Ziffern und _; die Adresse der Gruppe)";
    GroupDisplayNameLabel => "Display name", "Anzeigename";
    GroupOpenLabel => "Anyone may join without approval", "Alle dürfen ohne Freigabe beitreten";
    GroupMembersOnlyLabel => "Posts go to members only (not public)", "Beiträge nur für Mitglieder (nicht öffentlich)";
    CreateGroup => "Create group", "Gruppe erstellen";
    ModerateTitle => "Moderating {name}", "{name} moderieren";
    ModeratorsLabel => "Moderators:", "Moderation:";
    WaitingToJoin => "Waiting to join", "Möchten beitreten";
    NobodyWaiting => "Nobody is waiting.", "Niemand wartet.";
    ApproveMember => "Let {name} join", "{name} aufnehmen";
    RejectMember => "Refuse {name}", "{name} ablehnen";
    GroupMembers => "Members", "Mitglieder";
    NoMembers => "No members yet.", "Noch keine Mitglieder.";
    RemoveMember => "Remove {name} from the group", "{name} aus der Gruppe entfernen";
    GroupPosts => "Posts in the group", "Beiträge in der Gruppe";
    RemovalReason => "Reason (optional)", "Grund (optional)";
    RemoveFromGroup => "Remove from group", "Aus der Gruppe entfernen";
    GroupLabel => "Group", "Gruppe";
    JoinGroup => "Join", "Beitreten";
    LeaveGroup => "Leave", "Verlassen";
    WithdrawJoin => "Withdraw request", "Anfrage zurückziehen";
    JoinRequested => "Your request to join waits for a moderator.", "Deine Beitrittsanfrage wartet auf die Moderation.";
    GroupJoined => "You are a member.", "Du bist Mitglied.";
    GroupHowToPost => "To post in the group, mention it: {handle}", "Um in der Gruppe zu schreiben, erwähne sie: {handle}";
    ChatsNav => "Chats", "Chats";
    ChatsTitle => "Hashtag chats", "Hashtag-Chats";
    ChatsIntro => "A hashtag chat is an hour on a hashtag: the host posts questions Q1, Q2 … and everyone, on any server, answers A1, A2 …", "Ein Hashtag-Chat ist eine Stunde zu einem Hashtag: Wer moderiert, stellt Fragen Q1, Q2 …, und alle, auf jedem Server, antworten mit A1, A2 …";
    MyChats => "Your chats", "Deine Chats";
    NoChats => "No chats yet.", "Noch keine Chats.";
    ScheduleChat => "Schedule a chat", "Einen Chat planen";
    ScheduleChatButton => "Schedule", "Planen";
    EditChatTitle => "Change the chat", "Chat ändern";
    SaveChat => "Save changes", "Änderungen speichern";
    EditChat => "Change this chat", "Diesen Chat ändern";
    CancelChat => "Cancel this chat", "Diesen Chat absagen";
    ChatTitleLabel => "Title", "Titel";
    ChatTagLabel => "Hashtag", "Hashtag";
    ChatDescriptionLabel => "Description", "Beschreibung";
    ChatStartLabel => "Start (date and time in the chat's time zone)", "Beginn (Datum und Uhrzeit in der Zeitzone des Chats)";
    ChatTimeZoneLabel => "Time zone (IANA name, such as Europe/Berlin)", "Zeitzone (IANA-Name, etwa Europe/Berlin)";
    ChatDurationLabel => "Duration in minutes", "Dauer in Minuten";
    ChatRruleLabel => "Repeats (an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=TH;COUNT=10; empty: once)", "Wiederholung (eine RFC-5545-RRULE wie FREQ=WEEKLY;BYDAY=TH;COUNT=10; leer: einmal)";
    ChatHostedBy => "Hosted by {name}", "Moderiert von {name}";
    ChatCancelled => "This chat was cancelled.", "Dieser Chat wurde abgesagt.";
    ChatLive => "Live now:", "Jetzt live:";
    ChatNext => "Next:", "Nächster Termin:";
    ChatOver => "All its dates are over.", "Alle Termine sind vorbei.";
    ChatRecurs => "Repeats: {rule}", "Wiederholung: {rule}";
    ChatHowTo => "Questions are the host's posts that begin with Q1, Q2 … and carry {tag}. Answer by replying to a question, or with a public post that begins with A1, A2 … and carries {tag}.", "Fragen sind die Beiträge der Moderation, die mit Q1, Q2 … beginnen und {tag} tragen. Antworte auf eine Frage oder mit einem öffentlichen Beitrag, der mit A1, A2 … beginnt und {tag} trägt.";
    ChatCalendar => "Subscribe in a calendar (iCal)", "Im Kalender abonnieren (iCal)";
    ChatQuestionsHeading => "Questions and answers", "Fragen und Antworten";
    ChatQuestion => "Question {number}", "Frage {number}";
    ChatAnswersTo => "Answers to question {number}", "Antworten auf Frage {number}";
    OneAnswer => "1 answer", "1 Antwort";
    Answers => "{count} answers", "{count} Antworten";
    ChatNoQuestions => "No questions yet.", "Noch keine Fragen.";
    ChatNewAnswers => "New answers arrived.", "Neue Antworten sind eingetroffen.";
    ChatTranscripts => "Transcripts", "Protokolle";
    ChatTranscriptTitle => "Transcript: {title}", "Protokoll: {title}";
    ChatParticipants => "Who took part", "Wer teilgenommen hat";
    NextChatsHeading => "Next scheduled chats", "Nächste geplante Chats";
    NoNextChats => "No chats are scheduled.", "Keine Chats geplant.";
    AdminTags => "Tag actors", "Hashtag-Akteure";
    AdminTagsIntro => "Each hashtag used here has an actor anyone can follow (@NAME@this server); it boosts the public posts tagged with it, at most {per_tag} an hour and {per_author} an hour of one author. Switch a tag off to stop its boosts; its followers stay.", "Jeder hier verwendete Hashtag hat einen Akteur, dem alle folgen können (@NAME@dieser Server); er teilt die öffentlichen Beiträge mit diesem Hashtag, höchstens {per_tag} pro Stunde und {per_author} pro Stunde von einer Person. Schalte einen Hashtag ab, um das Teilen zu beenden; seine Folgenden bleiben.";
    AdminTagsNone => "No hashtag has an actor yet: one is made when someone looks it up.", "Noch hat kein Hashtag einen Akteur: er entsteht, wenn jemand ihn nachschlägt.";
    AdminTagName => "Hashtag", "Hashtag";
    AdminTagState => "Boosting", "Teilen";
    AdminTagFollowers => "Followers", "Folgende";
    AdminTagAnnounced => "Posts boosted", "Geteilte Beiträge";
    AdminTagLast => "Last boost", "Zuletzt geteilt";
    AdminTagEnabled => "on", "an";
    AdminTagDisabled => "off", "aus";
    AdminTagDisable => "Switch off #{name}", "#{name} abschalten";
    AdminTagEnable => "Switch on #{name}", "#{name} einschalten";
    AdminTagSwitchOff => "Switch off a hashtag", "Einen Hashtag abschalten";
    PlnTagsHeading => "PLN tags", "PLN-Hashtags";
    PlnTagsIntro => "The hashtags teachers here write with and follow, most used in the last {days} days first. Anyone on the fediverse can follow a hashtag here like an account, for example {handle}, to have its public posts boosted to them.", "Die Hashtags, mit denen Lehrkräfte hier schreiben und denen sie folgen, die in den letzten {days} Tagen meistgenutzten zuerst. Alle im Fediverse können einem Hashtag hier wie einem Konto folgen, zum Beispiel {handle}, und bekommen dann seine öffentlichen Beiträge geteilt.";
    PlnTagsNone => "No hashtags were used or followed here lately.", "Hier wurden zuletzt keine Hashtags verwendet oder gefolgt.";
    TagFollowersOne => "{count} follows it here", "{count} folgt ihm hier";
    TagFollowersMany => "{count} follow it here", "{count} folgen ihm hier";
    TrendingTagsHeading => "Trending tags", "Angesagte Hashtags";
    TrendingTagsIntro => "Hashtags of public posts by the most people in the last {days} days, here and on the servers this one hears from.", "Hashtags öffentlicher Beiträge der meisten Leute in den letzten {days} Tagen, hier und auf den Servern, von denen dieser hört.";
    TrendingTagsNone => "Nothing is trending right now.", "Gerade ist nichts angesagt.";
    TagPeopleOne => "{count} person", "{count} Person";
    TagPeopleMany => "{count} people", "{count} Personen";
}

/// A message with its `{name}` placeholders filled in.
pub fn tf(lang: Lang, msg: Msg, args: &[(&str, &str)]) -> String {
    let mut out = t(lang, msg).to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A number with its noun: `one` for exactly 1, `many` for any other (English and
/// German need no other plural forms), `{count}` filled in.
pub fn count(lang: Lang, one: Msg, many: Msg, n: i64) -> String {
    tf(
        lang,
        if n == 1 { one } else { many },
        &[("count", &n.to_string())],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_shipped_language() {
        assert_eq!(Lang::negotiate(None), Lang::En);
        assert_eq!(Lang::negotiate(Some("de")), Lang::De);
        assert_eq!(Lang::negotiate(Some("de-AT,de;q=0.9,en;q=0.8")), Lang::De);
        assert_eq!(
            Lang::negotiate(Some("fr-FR,fr;q=0.9,de;q=0.5,en;q=0.7")),
            Lang::En
        );
        assert_eq!(Lang::negotiate(Some("en;q=0.5, de;q=0.6")), Lang::De);
        assert_eq!(Lang::negotiate(Some("de;q=0")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr")), Lang::En);
        assert_eq!(Lang::negotiate(Some(";;,=q")), Lang::En);
    }

    #[test]
    fn every_message_has_its_placeholders_in_every_language() {
        let placeholders = |s: &str| {
            let mut names: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            names.sort();
            names
        };
        for msg in Msg::ALL {
            let en = t(Lang::En, *msg);
            let de = t(Lang::De, *msg);
            assert!(!en.is_empty() && !de.is_empty(), "{msg:?} is empty");
            assert_eq!(
                placeholders(en),
                placeholders(de),
                "{msg:?} has other placeholders in German"
            );
        }
        assert_eq!(
            tf(Lang::En, Msg::BoostedBy, &[("name", "Ada")]),
            "Ada boosted"
        );
        assert_eq!(count(Lang::En, Msg::OneLike, Msg::Likes, 1), "1 like");
        assert_eq!(count(Lang::En, Msg::OneLike, Msg::Likes, 0), "0 likes");
        assert_eq!(
            count(Lang::De, Msg::OnePost, Msg::PostCount, 2),
            "2 Beiträge"
        );
    }
}
