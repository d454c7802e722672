{{/* Names, labels, and the pieces the Deployment and the migration Job share. */}}

{{- define "steward.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "steward.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "steward.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels without a component: each object adds its own. */}}
{{- define "steward.metaLabels" -}}
helm.sh/chart: {{ include "steward.chart" . }}
app.kubernetes.io/name: {{ include "steward.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "steward.labels" -}}
{{ include "steward.metaLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "steward.selectorLabels" -}}
app.kubernetes.io/name: {{ include "steward.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "steward.vllmSelectorLabels" -}}
app.kubernetes.io/name: {{ include "steward.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: model-server
{{- end }}

{{- define "steward.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "steward.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "steward.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret whose keys are environment variables (DATABASE_URL, tokens). */}}
{{- define "steward.envSecretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- printf "%s-env" (include "steward.fullname" .) }}
{{- end }}
{{- end }}

{{/* The Secret holding audit.key, pii.key and session.key (mounted over <data dir>/keys). */}}
{{- define "steward.keysSecretName" -}}
{{- if .Values.keys.existingSecret }}
{{- .Values.keys.existingSecret }}
{{- else }}
{{- printf "%s-keys" (include "steward.fullname" .) }}
{{- end }}
{{- end }}

{{- define "steward.vllmName" -}}
{{- printf "%s-vllm" (include "steward.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Environment of every Steward container: the ConfigMap, the env Secret, the audit key. */}}
{{- define "steward.envSources" -}}
envFrom:
  - configMapRef:
      name: {{ include "steward.fullname" . }}-config
  - secretRef:
      name: {{ include "steward.envSecretName" . }}
env:
  - name: STEWARD_AUDIT_KEY
    valueFrom:
      secretKeyRef:
        name: {{ include "steward.keysSecretName" . }}
        key: audit.key
  # The image's root filesystem is read-only; libraries that cache under $HOME write to /tmp.
  - name: HOME
    value: /tmp
{{- end }}

{{/* Volume mounts of every Steward container: the data dir, the shared keys over <data dir>/keys, /tmp. */}}
{{- define "steward.volumeMounts" -}}
volumeMounts:
  - name: data
    mountPath: {{ .Values.dataDir.mountPath }}
  - name: keys
    mountPath: {{ printf "%s/keys" .Values.dataDir.mountPath }}
    readOnly: true
  - name: tmp
    mountPath: /tmp
{{- end }}

{{- define "steward.volumes" -}}
volumes:
  - name: data
    {{- if .Values.persistence.enabled }}
    persistentVolumeClaim:
      claimName: {{ default (printf "%s-data" (include "steward.fullname" .)) .Values.persistence.existingClaim }}
    {{- else }}
    emptyDir:
      sizeLimit: {{ .Values.persistence.emptyDirSizeLimit }}
    {{- end }}
  - name: keys
    secret:
      secretName: {{ include "steward.keysSecretName" . }}
      defaultMode: 0440
  - name: tmp
    emptyDir: {}
{{- end }}
