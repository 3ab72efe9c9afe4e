{{/* The chart name, or nameOverride. */}}
{{- define "westward.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every resource name: fullnameOverride, else the release name, with the chart name unless the release name already holds it. */}}
{{- define "westward.fullname" -}}
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

{{/* Labels that select the operator's pods; they never change across upgrades. */}}
{{- define "westward.selectorLabels" -}}
app.kubernetes.io/name: {{ include "westward.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "westward.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "westward.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "westward.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "westward.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is given. */}}
{{- define "westward.image" -}}
{{- $repository := required "image.repository is required: the registry path of the image built from the Dockerfile, e.g. --set image.repository=ghcr.io/<org>/westward" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The namespaces credentials Secrets are read from, as a JSON list: credentialsNamespaces, else the release namespace. */}}
{{- define "westward.credentialsNamespaces" -}}
{{- default (list .Release.Namespace) .Values.credentialsNamespaces | toJson }}
{{- end }}
