{{/*
shipshape.services: the five services, in call-graph order.
*/}}
{{- define "shipshape.services" -}}
gateway users products orders conduit
{{- end -}}

{{/*
shipshape.databaseServices: the services that own a schema in PostgreSQL (and so get migration and seed Jobs).
*/}}
{{- define "shipshape.databaseServices" -}}
users products orders conduit
{{- end -}}

{{/*
shipshape.dynamodbServices: the services whose store is dynamodb (products.store, orders.store), space-separated.
*/}}
{{- define "shipshape.dynamodbServices" -}}
{{- $names := list -}}
{{- range $name := list "products" "orders" -}}
{{- if eq (index $.Values $name).store "dynamodb" -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- join " " $names -}}
{{- end -}}

{{/*
shipshape.redisServices: the services that cache in Redis when one is configured.
*/}}
{{- define "shipshape.redisServices" -}}
gateway users products conduit
{{- end -}}

{{/*
shipshape.upstreams: "<service>" -> the services it calls, as "name name".
*/}}
{{- define "shipshape.upstreams" -}}
{{- $calls := dict "gateway" "users products orders conduit" "orders" "users products" -}}
{{- get $calls . -}}
{{- end -}}

{{/*
shipshape.name: the chart name, or nameOverride.
*/}}
{{- define "shipshape.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
shipshape.fullname: the prefix of every resource name, at most 50 characters so suffixes fit in 63.
*/}}
{{- define "shipshape.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
shipshape.labels: labels on every object; takes (dict "root" $ "component" "<name>").
*/}}
{{- define "shipshape.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "shipshape.selectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: {{ include "shipshape.name" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
shipshape.selectorLabels: name + instance only, the labels Services, PDBs and NetworkPolicies select on;
takes (dict "root" $ "component" "<name>").
*/}}
{{- define "shipshape.selectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-%s" (include "shipshape.name" .root) .component | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/*
shipshape.componentName: "<fullname>-<component>"; takes (dict "root" $ "component" "<name>").
*/}}
{{- define "shipshape.componentName" -}}
{{- printf "%s-%s" (include "shipshape.fullname" .root) .component -}}
{{- end -}}

{{/*
shipshape.secretName: the Secret the services read secretEnv from.
*/}}
{{- define "shipshape.secretName" -}}
{{- default (printf "%s-secrets" (include "shipshape.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
shipshape.image: "<repository>:<tag>" or "<repository>@<digest>" of a service; takes (dict "root" $ "component" "<service>").
*/}}
{{- define "shipshape.image" -}}
{{- $svc := index .root.Values .component -}}
{{- $repository := default (printf "%s/shipshape-%s" .root.Values.image.registry .component) $svc.image.repository -}}
{{- if $svc.image.digest -}}
{{- printf "%s@%s" $repository $svc.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default (default .root.Chart.AppVersion .root.Values.image.tag) $svc.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
shipshape.canaryImage: the image of a service's canary (canary.services.<service>: digest, else tag), from the
service's repository; takes (dict "root" $ "component" "<service>").
*/}}
{{- define "shipshape.canaryImage" -}}
{{- $svc := index .root.Values .component -}}
{{- $canary := index .root.Values.canary.services .component -}}
{{- $repository := default (printf "%s/shipshape-%s" .root.Values.image.registry .component) $svc.image.repository -}}
{{- if $canary.digest -}}
{{- printf "%s@%s" $repository $canary.digest -}}
{{- else if $canary.tag -}}
{{- printf "%s:%s" $repository $canary.tag -}}
{{- else -}}
{{- fail (printf "canary.services.%s needs a digest or a tag" .component) -}}
{{- end -}}
{{- end -}}

{{/*
shipshape.databaseConfigured / shipshape.redisConfigured: "true" when the release knows where the store is.
*/}}
{{- define "shipshape.redisConfigured" -}}
{{- if or .Values.dev.enabled .Values.redis.host -}}true{{- end -}}
{{- end -}}

{{/*
shipshape.env: the non-secret environment of a service as a YAML map (ConfigMap data and Job env);
takes (dict "root" $ "component" "<service>"). Later entries win: chart-derived, then env, then <service>.env.
*/}}
{{- define "shipshape.env" -}}
{{- $root := .root -}}
{{- $name := .component -}}
{{- $svc := index $root.Values $name -}}
{{- $env := dict "PORT" (toString $svc.port) "OTEL_SERVICE_NAME" $name -}}
{{- range $upstream := splitList " " (include "shipshape.upstreams" $name) -}}
{{- if $upstream -}}
{{- $_ := set $env (printf "%s_URL" (upper $upstream)) (printf "http://%s:%v" (include "shipshape.componentName" (dict "root" $root "component" $upstream)) (index $root.Values $upstream).port) -}}
{{- end -}}
{{- end -}}
{{- if has $name (splitList " " (include "shipshape.databaseServices" $root)) -}}
{{- if $root.Values.dev.enabled -}}
{{- $_ := set $env "DATABASE_SSL" "disable" -}}
{{- else -}}
{{- if $root.Values.database.host -}}
{{- $_ := set $env "POSTGRES_HOST" $root.Values.database.host -}}
{{- $_ := set $env "POSTGRES_PORT" (toString $root.Values.database.port) -}}
{{- $_ := set $env "POSTGRES_DB" $root.Values.database.name -}}
{{- $_ := set $env "POSTGRES_USER" $root.Values.database.user -}}
{{- end -}}
{{- if $root.Values.database.ssl -}}
{{- $_ := set $env "DATABASE_SSL" $root.Values.database.ssl -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if has $name (splitList " " (include "shipshape.dynamodbServices" $root)) -}}
{{- $_ := set $env "STORE" "dynamodb" -}}
{{- $_ := set $env "DYNAMODB_TABLE" (index $root.Values.dynamodb.tables $name) -}}
{{- $_ := set $env "AWS_REGION" $root.Values.dynamodb.region -}}
{{- if $root.Values.dynamodb.local.enabled -}}
{{- $_ := set $env "DYNAMODB_ENDPOINT" (printf "http://%s:%v" (include "shipshape.componentName" (dict "root" $root "component" "dynamodb")) $root.Values.dynamodb.local.port) -}}
{{- end -}}
{{- end -}}
{{- if and (has $name (splitList " " (include "shipshape.redisServices" $root))) (include "shipshape.redisConfigured" $root) -}}
{{- if $root.Values.dev.enabled -}}
{{- $_ := set $env "REDIS_HOST" (include "shipshape.componentName" (dict "root" $root "component" "redis")) -}}
{{- $_ := set $env "REDIS_PORT" "6379" -}}
{{- else -}}
{{- $_ := set $env "REDIS_HOST" $root.Values.redis.host -}}
{{- $_ := set $env "REDIS_PORT" (toString $root.Values.redis.port) -}}
{{- $_ := set $env "REDIS_TLS" (toString $root.Values.redis.tls) -}}
{{- end -}}
{{- end -}}
{{- /* conduit keeps the RealWorld Token scheme; every other service verifies the issuer's tokens itself. */ -}}
{{- if ne $name "conduit" -}}
{{- $auth := $root.Values.auth -}}
{{- $issuer := required "auth.issuer is required: the OpenID Connect issuer of user tokens (Terraform sets it on AWS)" $auth.issuer -}}
{{- $_ := set $env "AUTH_ISSUER" $issuer -}}
{{- $_ := set $env "AUTH_AUDIENCE" (required "auth.audience is required: the audience of user tokens (the Cognito app client id on AWS)" $auth.audience) -}}
{{- $_ := set $env "AUTH_AUDIENCE_CLAIM" $auth.audienceClaim -}}
{{- $_ := set $env "AUTH_JWKS_URL" ($auth.jwksUrl | default (printf "%s/.well-known/jwks.json" (trimSuffix "/" $issuer))) -}}
{{- $_ := set $env "AUTH_ROLES_CLAIM" $auth.rolesClaim -}}
{{- $_ := set $env "AUTH_ADMIN_ROLE" $auth.adminRole -}}
{{- if has $name (list "users" "products") -}}
{{- $_ := set $env "SERVICE_TRUSTED_CALLERS" (printf "orders=%s" (required "serviceIdentity.ordersPublicKey is required: the public half of orders' SERVICE_PRIVATE_KEY" $root.Values.serviceIdentity.ordersPublicKey)) -}}
{{- end -}}
{{- end -}}
{{- if $root.Values.tracing.otlpEndpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" $root.Values.tracing.otlpEndpoint -}}
{{- end -}}
{{- range $key, $value := $root.Values.env -}}
{{- $_ := set $env $key (toString $value) -}}
{{- end -}}
{{- range $key, $value := $svc.env -}}
{{- $_ := set $env $key (toString $value) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/*
shipshape.secretEnv: env entries (a YAML list) read from the release Secret; takes (dict "root" $ "component" "<service>").
*/}}
{{- define "shipshape.secretEnv" -}}
{{- $root := .root -}}
{{- $name := .component -}}
{{- $svc := index $root.Values $name -}}
{{- $refs := dict -}}
{{- range $env, $key := $svc.secretEnv -}}
{{- if $key -}}
{{- $_ := set $refs $env $key -}}
{{- end -}}
{{- end -}}
{{- if and (has $name (splitList " " (include "shipshape.redisServices" $root))) (include "shipshape.redisConfigured" $root) $root.Values.redis.passwordKey -}}
{{- $_ := set $refs "REDIS_PASSWORD" $root.Values.redis.passwordKey -}}
{{- end -}}
{{- range $env := keys $refs | sortAlpha }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ include "shipshape.secretName" $root }}
      key: {{ index $refs $env }}
{{- end -}}
{{- end -}}

{{/*
shipshape.podSecurityContext: Pod Security "restricted" at pod level.
*/}}
{{- define "shipshape.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.podSecurityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
shipshape.containerSecurityContext: Pod Security "restricted" at container level, read-only root filesystem.
*/}}
{{- define "shipshape.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
{{- end -}}

{{/*
shipshape.egressPeers: NetworkPolicy peers from (dict "cidrs" [...] "selectors" [...]); empty when neither is set.
*/}}
{{- define "shipshape.egressPeers" -}}
{{- range .cidrs }}
- ipBlock:
    cidr: {{ . }}
{{- end }}
{{- with .selectors }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
shipshape.dnsEgress: the egress rule to cluster DNS (a list item).
*/}}
{{- define "shipshape.dnsEgress" -}}
- to:
    {{- toYaml .Values.networkPolicy.dnsTo | nindent 4 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/*
shipshape.databaseEgress: the egress rule to PostgreSQL (a list item): the dev StatefulSet, or the configured peers
(any destination on the port when none are configured).
*/}}
{{- define "shipshape.databaseEgress" -}}
{{- if .Values.dev.enabled -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "shipshape.selectorLabels" (dict "root" . "component" "postgres") | nindent 10 }}
  ports:
    - port: 5432
      protocol: TCP
{{- else -}}
- ports:
    - port: {{ .Values.database.port }}
      protocol: TCP
  {{- with include "shipshape.egressPeers" .Values.database }}
  to:
    {{- . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}
