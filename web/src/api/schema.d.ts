// Generated from GET /docs/openapi.json by `npm run console:types`. Do not edit.
export interface paths {
    "/v1/admin/encryption": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How many stored secrets each key still protects: an old key can go once its rows are 0 */
        get: operations["EncryptionController_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Audit events, newest first; page with `before` = the previous `next_before` */
        get: operations["AuditController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ApiKeysController_list"];
        put?: never;
        /** Create an API key; the key is in this response only */
        post: operations["ApiKeysController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new key for the same holder; the old one keeps working for grace_seconds (default 0) */
        post: operations["ApiKeysController_rotate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["ApiKeysController_delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["CredentialsController_list"];
        put?: never;
        /** Add a credential: client_credentials, password (may answer 202 mfa_required) or token import */
        post: operations["OnboardingController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/credentials/{credentialId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["CredentialsController_delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Credentials of every tenant, filtered; page with `after` = the previous `next_after` */
        get: operations["AllCredentialsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/credentials/{credentialId}/renewals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Renew the credential now (password and token credentials: check it with Particle now); answers the credential */
        post: operations["CredentialRenewalsController_renew"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["TenantsController_list"];
        put?: never;
        post: operations["TenantsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["TenantsController_get"];
        put?: never;
        post?: never;
        delete: operations["TenantsController_delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/oauth-clients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OAuthClientsController_list"];
        put?: never;
        /** Register a Particle OAuth client; its secret is stored encrypted and never returned */
        post: operations["OAuthClientsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/oauth-clients/{id}/rotations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Switch to a new secret (checked at Particle first); the previous one stays a fallback for grace_seconds */
        post: operations["OAuthClientsController_rotate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/oauth-clients/{id}/rotations/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Back to the previous secret, inside its grace period */
        post: operations["OAuthClientsController_rollBack"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/oauth-clients/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OAuthClientsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/credentials/mfa": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Finish a password login with the OTP */
        post: operations["OnboardingController_finishMfa"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/connect-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A one-time link (10 minutes) for the tenant’s person to connect a Particle account
         * @description Opening the link starts Particle’s authorization-code flow; the callback stores an authorization_code credential.
         */
        post: operations["ConnectSessionsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A Particle access token valid for at least min_ttl_seconds (service or admin key) */
        post: operations["TokensController_issue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/refresh-runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run one refresh sweep now (for an external cron); answers when it is done */
        post: operations["RefreshRunsController_run"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["WebhooksController_list"];
        put?: never;
        /** Subscribe an endpoint; the signing secret is in this response only */
        post: operations["WebhooksController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["WebhooksController_get"];
        put?: never;
        post?: never;
        delete: operations["WebhooksController_delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new signing secret; deliveries carry both signatures for grace_seconds */
        post: operations["WebhooksController_rotateSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue a webhook.test event to this endpoint only */
        post: operations["WebhooksController_test"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Each event's delivery to this endpoint, its latest attempt; newest first */
        get: operations["WebhooksController_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Credentials by status, the at-risk list with reasons, the last sweep, the webhook backlog */
        get: operations["OverviewController_view"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/console/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Open a console session with an admin API key; the session is in a cookie */
        post: operations["ConsoleSessionController_signIn"];
        /** Sign out: the session ends and its cookie is cleared */
        delete: operations["ConsoleSessionController_signOut"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/egress": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The shared egress as Particle sees it: the token and API budgets and the breaker */
        get: operations["EgressController_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/egress/breaker/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Close an open breaker, after checking with Particle that the IP is not locked out */
        post: operations["EgressController_resetBreaker"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        KeyRowsView: {
            /** @example k2 */
            kid: string;
            /**
             * @description Stored secrets sealed with this key
             * @example 1234
             */
            rows: number;
        };
        ReencryptionView: {
            /**
             * @description `running`: a pass runs on this replica; `done`: every secret is under the active key
             * @enum {string}
             */
            state: "idle" | "running" | "done";
            /**
             * @description Secrets under the active key
             * @example 1200
             */
            done: number;
            /**
             * @description All stored secrets
             * @example 1234
             */
            total: number;
        };
        EncryptionStatusView: {
            /** @example k2 */
            active_kid: string;
            /** @description Every configured key (0 rows included), then any key id found only in the data */
            keys: components["schemas"]["KeyRowsView"][];
            reencryption: components["schemas"]["ReencryptionView"];
        };
        AuditEventView: {
            /** @example 1043 */
            id: string;
            /** @example 2026-11-23T21:00:00.000Z */
            at: string;
            /**
             * @description API key id, `bootstrap`, or `system`
             * @example 3f0c…
             */
            actor: string;
            /** @example tenant.create */
            action: string;
            /** @example acme */
            tenant_id: string | null;
            /** @example acme */
            target: string | null;
            /** @enum {string} */
            outcome: "success" | "failure" | "denied";
            request_id: string | null;
            details: {
                [key: string]: unknown;
            };
        };
        AuditPage: {
            items: components["schemas"]["AuditEventView"][];
            /** @description Pass as `before` for the next page */
            next_before: string | null;
        };
        CreateApiKeyBody: {
            /** @example fleet-service (prod) */
            name: string;
            /**
             * @example service
             * @enum {string}
             */
            role: "admin" | "service" | "proxy";
            /**
             * @description `["*"]` for every tenant; a single string is read as a list of one
             * @example [
             *       "acme",
             *       "globex"
             *     ]
             */
            tenants: string[];
            /** @example 2027-06-30T00:00:00Z */
            expires_at?: string;
        };
        CreatedApiKeyView: {
            /** @example 6c1f7a0e-5d8b-4d55-9a51-0f0d7c7b1f62 */
            id: string;
            /** @example fleet-service (prod) */
            name: string;
            /** @enum {string} */
            role: "admin" | "service" | "proxy";
            /**
             * @example [
             *       "acme"
             *     ]
             */
            tenants: string[];
            /**
             * @description The first characters of the key, to recognise it
             * @example ptb_Xk3v9QzA
             */
            key_prefix: string;
            expires_at: string | null;
            last_used_at: string | null;
            created_at: string;
            /**
             * @description The key itself: shown once, never again
             * @example ptb_Xk3v9QzA…
             */
            key: string;
        };
        RotateApiKeyBody: {
            /**
             * @description How long the old key keeps working
             * @default 0
             * @example 3600
             */
            grace_seconds: number;
        };
        ApiKeyView: {
            /** @example 6c1f7a0e-5d8b-4d55-9a51-0f0d7c7b1f62 */
            id: string;
            /** @example fleet-service (prod) */
            name: string;
            /** @enum {string} */
            role: "admin" | "service" | "proxy";
            /**
             * @example [
             *       "acme"
             *     ]
             */
            tenants: string[];
            /**
             * @description The first characters of the key, to recognise it
             * @example ptb_Xk3v9QzA
             */
            key_prefix: string;
            expires_at: string | null;
            last_used_at: string | null;
            created_at: string;
        };
        ApiKeyList: {
            items: components["schemas"]["ApiKeyView"][];
        };
        CredentialView: {
            /** Format: uuid */
            id: string;
            /** @example acme */
            tenant_id: string;
            /** @enum {string} */
            kind: "client_credentials" | "authorization_code" | "password" | "token";
            /** @enum {string} */
            status: "active" | "expiring" | "needs_reauth" | "failing" | "revoked";
            scope: string | null;
            oauth_client_id: string | null;
            /** @description null: never expires */
            access_expires_at: string | null;
            refresh_expires_at: string | null;
            last_renewed_at: string | null;
            last_error: string | null;
        };
        CredentialList: {
            items: components["schemas"]["CredentialView"][];
        };
        CredentialPage: {
            items: components["schemas"]["CredentialView"][];
            /** @description Pass as `after` for the next page */
            next_after: string | null;
        };
        RenewalBody: Record<string, never>;
        CreateTenantBody: {
            /** @example acme */
            id: string;
            /** @example Acme Corporation */
            name: string;
        };
        TenantView: {
            /** @example acme */
            id: string;
            /** @example Acme Corporation */
            name: string;
            /** @example 2026-11-23T21:00:00.000Z */
            created_at: string;
            /** @example 2026-11-23T21:00:00.000Z */
            updated_at: string;
        };
        TenantList: {
            items: components["schemas"]["TenantView"][];
            /** @description Pass as `after` for the next page */
            next_after: string | null;
        };
        CredentialSummary: {
            id: string;
            /** @enum {string} */
            kind: "client_credentials" | "authorization_code" | "password" | "token";
            /** @enum {string} */
            status: "active" | "expiring" | "needs_reauth" | "failing" | "revoked";
            access_expires_at: string | null;
        };
        TenantDetailView: {
            /** @example acme */
            id: string;
            /** @example Acme Corporation */
            name: string;
            /** @example 2026-11-23T21:00:00.000Z */
            created_at: string;
            /** @example 2026-11-23T21:00:00.000Z */
            updated_at: string;
            credentials: components["schemas"]["CredentialSummary"][];
        };
        CreateOAuthClientBody: {
            /**
             * @description The broker's id for this app
             * @example acme-fleet
             */
            id: string;
            /**
             * @description Null or absent: shared by all tenants
             * @example acme
             */
            tenant_id?: Record<string, never> | null;
            /**
             * @description Particle's client id
             * @example acme-fleet-2146
             */
            client_id: string;
            /**
             * @description Stored encrypted; never returned
             * @example 615c…
             */
            client_secret: string;
            /**
             * @example installed
             * @enum {string}
             */
            type: "installed" | "web";
            /**
             * @description Product id (a number or a numeric string) or slug: a product (two-legged) client; answered as a string
             * @example 12345
             */
            product_id?: string | number;
            /**
             * @description Required for web clients
             * @example https://broker.example.com/oauth/callback
             */
            redirect_uri?: string;
        };
        SecretVersionView: {
            /** @example 1 */
            version: number;
            /** @example acme-fleet-2146 */
            client_id: string;
            /** @enum {string} */
            state: "active" | "previous" | "retired";
            created_at: string;
            retire_after: string | null;
        };
        OAuthClientView: {
            /** @example acme-fleet */
            id: string;
            /** @example acme */
            tenant_id: string | null;
            /** @example acme-fleet-2146 */
            client_id: string;
            /** @enum {string} */
            type: "installed" | "web";
            /** @example 12345 */
            product_id: string | null;
            redirect_uri: string | null;
            /** @enum {string} */
            status: "active" | "invalid";
            last_error: string | null;
            created_at: string;
            updated_at: string;
            secret_versions: components["schemas"]["SecretVersionView"][];
        };
        OAuthClientList: {
            items: components["schemas"]["OAuthClientView"][];
        };
        RotateSecretBody: {
            /**
             * @description A new Particle client id (default: the current one)
             * @example acme-fleet-2231
             */
            client_id?: string;
            /** @description The new secret (required unless mode is "particle") */
            client_secret?: string;
            /**
             * @description How long the previous secret stays a fallback
             * @example 86400
             */
            grace_seconds?: number;
            /**
             * @description The broker creates the new client at Particle with the management credential
             * @enum {string}
             */
            mode?: "particle";
            /** Format: uuid */
            management_credential_id?: string;
        };
        MfaRequiredView: {
            /** @enum {string} */
            status: "mfa_required";
            /** Format: uuid */
            challenge_id: string;
            expires_at: string;
        };
        CreateCredentialBody: {
            /**
             * @description `authorization_code` credentials come from a connect session
             * @enum {string}
             */
            kind: "client_credentials" | "password" | "token";
            /**
             * @description client_credentials (required), password (optional)
             * @example acme-fleet
             */
            oauth_client_id?: string;
            /**
             * @description client_credentials: a customer scope
             * @example customer=jane@example.com
             */
            scope?: string;
            /**
             * @description password
             * @example ops@acme.com
             */
            username?: string;
            /** @description password: used once for the login, never stored */
            password?: string;
            /**
             * @description password: token lifetime asked of Particle (0 = never expires)
             * @example 7776000
             */
            expires_in?: number;
            /** @description token: an existing Particle access token to import */
            access_token?: string;
        };
        MfaBody: {
            /** Format: uuid */
            challenge_id: string;
            /** @example 123456 */
            otp: string;
        };
        CreateConnectSessionBody: {
            /**
             * @description A `web` OAuth client with redirect_uri = <BROKER_PUBLIC_URL>/oauth/callback
             * @example acme-web
             */
            oauth_client_id: string;
            /**
             * @description Where the person is sent afterwards (with connect=success|denied): BROKER_PUBLIC_URL’s origin or BROKER_RETURN_ORIGINS
             * @example https://console.acme.example/particle/connected
             */
            return_to?: string;
        };
        ConnectSessionView: {
            /** @description The one-time link for the tenant’s person; shown once, stored only hashed */
            url: string;
            /** @example 2030-01-01T00:10:00.000Z */
            expires_at: string;
        };
        IssueTokenBody: {
            /**
             * @description The token must stay valid this long
             * @default 300
             */
            min_ttl_seconds: number;
            /**
             * @description A customer-scoped token (scope customer=<customer>)
             * @example jane@example.com
             */
            customer?: string;
            /**
             * Format: uuid
             * @description A specific credential; default: the tenant's best one
             */
            credential_id?: string;
        };
        IssuedTokenView: {
            /** @example 254406f79c1999af65a7df4388971354f85cfee9 */
            access_token: string;
            /** @enum {string} */
            token_type: "bearer";
            /**
             * @description null: never expires
             * @example 2026-11-23T22:00:00.000Z
             */
            expires_at: string | null;
            /** @example 3599 */
            expires_in: number | null;
            /** @example acme */
            tenant_id: string;
            /** Format: uuid */
            credential_id: string;
            scope: string | null;
        };
        SweepResultView: {
            /** @example 12 */
            claimed: number;
            /** @example 11 */
            renewed: number;
            /** @example 1 */
            failed: number;
            /** @example 0 */
            skipped: number;
        };
        CreateWebhookBody: {
            /** @example https://ops.example.com/hooks/particle-broker */
            url: string;
            /**
             * @default [
             *       "*"
             *     ]
             * @example [
             *       "credential.needs_reauth"
             *     ]
             */
            events: string[];
            /**
             * @default [
             *       "*"
             *     ]
             * @example [
             *       "acme"
             *     ]
             */
            tenants: string[];
            /** @example ops pager */
            description?: string;
        };
        CreatedWebhookView: {
            id: string;
            url: string;
            events: string[];
            tenants: string[];
            description: string | null;
            created_at: string;
            /** @description whsec_…: shown once, never again */
            secret: string;
        };
        WebhookView: {
            id: string;
            url: string;
            events: string[];
            tenants: string[];
            description: string | null;
            created_at: string;
        };
        WebhookList: {
            items: components["schemas"]["WebhookView"][];
        };
        RotateWebhookSecretBody: {
            /** @default 86400 */
            grace_seconds: number;
        };
        RotatedWebhookSecret: {
            id: string;
            /** @description The new secret, shown once */
            secret: string;
        };
        QueuedTestEvent: {
            event_id: string;
        };
        DeliveryView: {
            id: string;
            event_id: string;
            type: string;
            /** @description Attempts made so far (0: not tried yet) */
            attempt: number;
            /** @enum {string} */
            state: "pending" | "delivered" | "failed";
            status_code: number | null;
            error: string | null;
            at: string;
            next_attempt_at: string | null;
        };
        DeliveryPage: {
            items: components["schemas"]["DeliveryView"][];
            next_before: string | null;
        };
        CredentialCountsView: {
            /** @example 40 */
            active: number;
            /**
             * @description password/token credentials close to expiry (cannot be renewed)
             * @example 1
             */
            expiring: number;
            /**
             * @description retrying with backoff after transient errors
             * @example 2
             */
            failing: number;
            /**
             * @description a person must act (connect, log in or import again)
             * @example 1
             */
            needs_reauth: number;
            /** @example 0 */
            revoked: number;
        };
        AtRiskView: {
            /** @example acme */
            tenant_id: string;
            /** Format: uuid */
            credential_id: string;
            /** @enum {string} */
            kind: "client_credentials" | "authorization_code" | "password" | "token";
            /** @enum {string} */
            status: "needs_reauth" | "failing" | "expiring";
            /**
             * @description reauth_required: Particle refused it or it expired; oauth_client_invalid: Particle refused the OAuth client; renewal_failing: transient errors, retried with backoff; expires_soon: a credential Particle cannot renew is close to expiry
             * @enum {string}
             */
            reason: "reauth_required" | "oauth_client_invalid" | "renewal_failing" | "expires_soon";
            /**
             * @description What fixes it: a connect link, a new login or import, a look at or rotation of the OAuth client, or a forced renewal (POST .../renewals)
             * @enum {string}
             */
            action: "create_connect_link" | "log_in_again" | "import_new_token" | "check_oauth_client" | "rotate_oauth_client" | "force_renewal";
            /** @description When the credential entered this status */
            since: string;
            access_expires_at: string | null;
            last_error: string | null;
        };
        LastSweepView: {
            /** @description When the latest sweep of any replica finished (empty sweeps too) */
            at: string;
            claimed: number;
            renewed: number;
            failed: number;
        };
        WebhookBacklogView: {
            /** @description Deliveries waiting for a first attempt or a retry */
            pending: number;
            /** @description Endpoints whose newest attempted delivery did not succeed */
            failing_endpoints: number;
        };
        OverviewView: {
            /** @description Number of tenants */
            tenants: number;
            credentials: components["schemas"]["CredentialCountsView"];
            /** @description Every needs_reauth, failing or expiring credential, most urgent first */
            at_risk: components["schemas"]["AtRiskView"][];
            /** @description null before the first sweep */
            last_sweep: components["schemas"]["LastSweepView"] | null;
            /** @description How long the most overdue credential has waited for the sweep (0: none) */
            oldest_overdue_seconds: number;
            webhooks: components["schemas"]["WebhookBacklogView"];
        };
        SignInBody: {
            /** @description An admin API key; it is not kept, only its hash */
            api_key: string;
        };
        TokenBudgetView: {
            /**
             * @description PARTICLE_TOKEN_BUDGET
             * @example 80
             */
            limit: number;
            /**
             * @description Token calls in the current window, all replicas
             * @example 12
             */
            used: number;
            /** @example 300 */
            window_seconds: number;
            /**
             * @description Seconds until a call is admitted again (0: now)
             * @example 0
             */
            retry_after_seconds: number;
        };
        BreakerView: {
            /** @enum {string} */
            state: "closed" | "open" | "half_open";
            /** @example 0 */
            consecutive_failures: number;
            /** @example null */
            open_until: string | null;
        };
        ApiBudgetView: {
            /** @example 8000 */
            limit: number;
            /** @example 0 */
            used: number;
            /** @example 300 */
            window_seconds: number;
        };
        StreamsView: {
            /** @example 0 */
            open: number;
            /** @example 80 */
            limit: number;
            /** @example 0 */
            opens_used: number;
            /** @example 80 */
            opens_limit: number;
        };
        TenantEgressView: {
            /** @example acme */
            tenant_id: string;
            /**
             * @description Token calls admitted in the current window (0: only refused)
             * @example 3
             */
            token_calls: number;
            /** @example 0 */
            api_calls: number;
            /** @example 0 */
            streams: number;
        };
        EgressStatusView: {
            token_budget: components["schemas"]["TokenBudgetView"];
            breaker: components["schemas"]["BreakerView"];
            /** @description Proxied Particle API calls (reserved by replicas) */
            api_budget: components["schemas"]["ApiBudgetView"];
            /** @description Upstream event streams of the proxy's hub, all replicas */
            streams: components["schemas"]["StreamsView"];
            /** @description Every tenant that made or was refused a token or proxied API call in the current window or holds an event stream, the busiest first */
            tenants: components["schemas"]["TenantEgressView"][];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    EncryptionController_status: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EncryptionStatusView"];
                };
            };
        };
    };
    AuditController_list: {
        parameters: {
            query?: {
                tenant_id?: string;
                action?: string;
                limit?: number;
                /** @description Cursor: `next_before` of the previous page */
                before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
        };
    };
    ApiKeysController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
        };
    };
    ApiKeysController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateApiKeyBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApiKeyView"];
                };
            };
        };
    };
    ApiKeysController_rotate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RotateApiKeyBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApiKeyView"];
                };
            };
        };
    };
    ApiKeysController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted; other replicas stop accepting it within 5 s */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    CredentialsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CredentialList"];
                };
            };
        };
    };
    OnboardingController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateCredentialBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CredentialView"];
                };
            };
            /** @description Particle asks for the OTP: POST .../credentials/mfa */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MfaRequiredView"];
                };
            };
        };
    };
    CredentialsController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                credentialId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked at Particle where possible; its secrets are erased either way */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AllCredentialsController_list: {
        parameters: {
            query?: {
                status?: "active" | "expiring" | "needs_reauth" | "failing" | "revoked";
                kind?: "client_credentials" | "authorization_code" | "password" | "token";
                tenant_id?: string;
                limit?: number;
                /** @description Cursor: `next_after` of the previous page */
                after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CredentialPage"];
                };
            };
        };
    };
    CredentialRenewalsController_renew: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                credentialId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RenewalBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CredentialView"];
                };
            };
        };
    };
    TenantsController_list: {
        parameters: {
            query?: {
                limit?: number;
                /** @description Cursor: `next_after` of the previous page */
                after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantList"];
                };
            };
        };
    };
    TenantsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTenantBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantView"];
                };
            };
            /** @description A tenant with this id exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantDetailView"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantsController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted, with its OAuth clients and secrets */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    OAuthClientsController_list: {
        parameters: {
            query?: {
                tenant_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthClientList"];
                };
            };
        };
    };
    OAuthClientsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateOAuthClientBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthClientView"];
                };
            };
            /** @description An OAuth client with this id exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    OAuthClientsController_rotate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RotateSecretBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthClientView"];
                };
            };
        };
    };
    OAuthClientsController_rollBack: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthClientView"];
                };
            };
        };
    };
    OAuthClientsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthClientView"];
                };
            };
        };
    };
    OnboardingController_finishMfa: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MfaBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CredentialView"];
                };
            };
            /** @description Wrong OTP; the body says how many attempts are left */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ConnectSessionsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateConnectSessionBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectSessionView"];
                };
            };
        };
    };
    TokensController_issue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["IssueTokenBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IssuedTokenView"];
                };
            };
        };
    };
    RefreshRunsController_run: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SweepResultView"];
                };
            };
        };
    };
    WebhooksController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookList"];
                };
            };
        };
    };
    WebhooksController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateWebhookBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedWebhookView"];
                };
            };
        };
    };
    WebhooksController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookView"];
                };
            };
        };
    };
    WebhooksController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted with its pending deliveries */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    WebhooksController_rotateSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RotateWebhookSecretBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RotatedWebhookSecret"];
                };
            };
        };
    };
    WebhooksController_test: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueuedTestEvent"];
                };
            };
        };
    };
    WebhooksController_deliveries: {
        parameters: {
            query?: {
                limit?: number;
                /** @description Cursor: `next_before` of the previous page */
                before?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryPage"];
                };
            };
        };
    };
    OverviewController_view: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OverviewView"];
                };
            };
        };
    };
    ConsoleSessionController_signIn: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignInBody"];
            };
        };
        responses: {
            /** @description Signed in: Set-Cookie ptb_session (HttpOnly, SameSite=Strict) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not a valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not an admin key */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ConsoleSessionController_signOut: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out (also when there was no live session) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    EgressController_status: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EgressStatusView"];
                };
            };
        };
    };
    EgressController_resetBreaker: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EgressStatusView"];
                };
            };
        };
    };
}
