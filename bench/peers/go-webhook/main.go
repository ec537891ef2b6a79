// go-webhook: the reference peer for bench/webhooks. A Go net/http TLS server that serves
// POST /validate-aura-io-v1alpha1 as Aura's webhook server does (webhooks/admission.cpp,
// webhooks/validation/ephemeral_cluster.cpp, operator/common/ipv4_cidr.cpp) for EphemeralCluster:
//
//   - HTTP/1.1 over TLS 1.2/1.3 (TLS 1.2: ECDHE with AEAD only, as Aura), keep-alive, a 3 MiB
//     body limit (413), read/write/idle timeouts of 10 s;
//   - 405 unless POST, 400 unless Content-Type application/json, 400 for a malformed review;
//   - the AdmissionReview decoded into k8s.io/api/admission/v1 types (encoding/json), then
//     request.object decoded into typed Go structs of the EphemeralCluster (metav1.ObjectMeta as a
//     kubebuilder project has it), with the checks Aura's generated decoder makes: JSON types,
//     required fields, enum values;
//   - the same validation: group aura.io, the UPDATE short cuts (deleting, spec unchanged),
//     kubernetesVersion in the supported list, vpcCIDR strict parse and /16../24, zones unique and
//     in the region, subnet CIDRs valid, /28 or larger, inside the VPC and not overlapping, the
//     public access CIDRs parsed and the warning for an endpoint open to 0.0.0.0/0, the immutable
//     fields on UPDATE;
//   - the same AdmissionReview answer: uid, allowed, status {code, message, reason} when denied,
//     warnings, with messages rendered as Aura (and Kubernetes) render field errors.
//
// NodePool and AIJob reviews are answered "no validation for kind" here: the bench sends
// EphemeralCluster CREATEs only.
//
//	go-webhook --cert FILE --key FILE [--address 127.0.0.1] [--port 9443]
//
// Prints "listening <port>" on stdout once it accepts connections.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	validatePath = "/validate-aura-io-v1alpha1"
	bodyLimit    = 3 * 1024 * 1024
)

// ---- the EphemeralCluster types (crds/aura.io_ephemeralclusters.yaml), as kubebuilder would
// generate them. Optional scalars are pointers, optional lists and maps omitempty.

type ClusterNetwork struct {
	VpcCIDR            *string  `json:"vpcCIDR,omitempty"`
	Zones              []string `json:"zones,omitempty"`
	ZoneCount          *int32   `json:"zoneCount,omitempty"`
	PublicSubnetCIDRs  []string `json:"publicSubnetCIDRs,omitempty"`
	PrivateSubnetCIDRs []string `json:"privateSubnetCIDRs,omitempty"`
	NatGateways        *string  `json:"natGateways,omitempty"`
	VpcID              *string  `json:"vpcID,omitempty"`
	SubnetIDs          []string `json:"subnetIDs,omitempty"`
}

type EndpointAccess struct {
	Public            *bool    `json:"public,omitempty"`
	Private           *bool    `json:"private,omitempty"`
	PublicAccessCIDRs []string `json:"publicAccessCIDRs,omitempty"`
}

type SecretsEncryption struct {
	KmsKeyARN *string `json:"kmsKeyARN"`
}

type AccessScope struct {
	Type       *string  `json:"type"`
	Namespaces []string `json:"namespaces,omitempty"`
}

type AccessPolicy struct {
	PolicyARN   *string      `json:"policyARN"`
	AccessScope *AccessScope `json:"accessScope,omitempty"`
}

type AccessEntry struct {
	PrincipalARN     *string        `json:"principalARN"`
	KubernetesGroups []string       `json:"kubernetesGroups,omitempty"`
	AccessPolicies   []AccessPolicy `json:"accessPolicies,omitempty"`
}

type AssumeRole struct {
	RoleARN     *string `json:"roleARN"`
	ExternalID  *string `json:"externalID,omitempty"`
	SessionName *string `json:"sessionName,omitempty"`
}

type Addon struct {
	Name                  *string `json:"name"`
	Version               *string `json:"version,omitempty"`
	ConfigurationValues   *string `json:"configurationValues,omitempty"`
	ServiceAccountRoleARN *string `json:"serviceAccountRoleARN,omitempty"`
}

type ClusterLifecycle struct {
	MaxLifetime         *string `json:"maxLifetime,omitempty"`
	TTLSecondsAfterIdle *int64  `json:"ttlSecondsAfterIdle,omitempty"`
	DeletionPolicy      *string `json:"deletionPolicy,omitempty"`
}

type EphemeralClusterSpec struct {
	Region              *string            `json:"region"`
	KubernetesVersion   *string            `json:"kubernetesVersion"`
	Network             *ClusterNetwork    `json:"network"`
	EndpointAccess      *EndpointAccess    `json:"endpointAccess,omitempty"`
	ControlPlaneLogging []string           `json:"controlPlaneLogging,omitempty"`
	SecretsEncryption   *SecretsEncryption `json:"secretsEncryption,omitempty"`
	AccessEntries       []AccessEntry      `json:"accessEntries,omitempty"`
	AssumeRole          *AssumeRole        `json:"assumeRole,omitempty"`
	Addons              []Addon            `json:"addons,omitempty"`
	Lifecycle           *ClusterLifecycle  `json:"lifecycle,omitempty"`
	Tags                map[string]string  `json:"tags,omitempty"`
}

type EphemeralClusterStatus struct {
	Phase              *string            `json:"phase,omitempty"`
	ObservedGeneration *int64             `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
	EksClusterName     *string            `json:"eksClusterName,omitempty"`
	EksClusterARN      *string            `json:"eksClusterARN,omitempty"`
	Endpoint           *string            `json:"endpoint,omitempty"`
	DeletionBlockedBy  *string            `json:"deletionBlockedBy,omitempty"`
}

type EphemeralCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              *EphemeralClusterSpec   `json:"spec"`
	Status            *EphemeralClusterStatus `json:"status,omitempty"`
}

var (
	natGatewayModes = []string{"Single", "PerZone", "None"}
	logTypes        = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}
	scopeTypes      = []string{"cluster", "namespace"}
	deletionPolicy  = []string{"Delete", "Retain"}
	phases          = []string{"Pending", "Provisioning", "Ready", "Deleting", "Failed"}
	// webhooks/validation/ephemeral_cluster.cpp: supported_kubernetes_versions().
	supportedVersions = []string{"1.30", "1.31", "1.32", "1.33", "1.34"}
)

// decodeCluster decodes as Aura's generated decoder does: a wrong JSON type, a missing required
// field or an unknown enum value is an error naming the field; unknown fields are ignored.
func decodeCluster(raw []byte) (*EphemeralCluster, error) {
	var c EphemeralCluster
	if err := json.Unmarshal(raw, &c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: expected %s, got %s", te.Field, schemaType(te.Type), jsonType(raw, te))
		}
		return nil, err
	}
	if c.Spec == nil {
		return nil, errors.New("spec: Required value")
	}
	s := c.Spec
	switch {
	case s.Region == nil:
		return nil, errors.New("spec.region: Required value")
	case s.KubernetesVersion == nil:
		return nil, errors.New("spec.kubernetesVersion: Required value")
	case s.Network == nil:
		return nil, errors.New("spec.network: Required value")
	}
	enum := func(path string, v *string, values []string) error {
		if v != nil && !slices.Contains(values, *v) {
			quoted := make([]string, len(values))
			for i, x := range values {
				quoted[i] = strconv.Quote(x)
			}
			return fmt.Errorf("%s: Unsupported value: %q: supported values: %s", path, *v, strings.Join(quoted, ", "))
		}
		return nil
	}
	if err := enum("spec.network.natGateways", s.Network.NatGateways, natGatewayModes); err != nil {
		return nil, err
	}
	for i := range s.ControlPlaneLogging {
		if err := enum(fmt.Sprintf("spec.controlPlaneLogging[%d]", i), &s.ControlPlaneLogging[i], logTypes); err != nil {
			return nil, err
		}
	}
	if s.SecretsEncryption != nil && s.SecretsEncryption.KmsKeyARN == nil {
		return nil, errors.New("spec.secretsEncryption.kmsKeyARN: Required value")
	}
	for i, e := range s.AccessEntries {
		if e.PrincipalARN == nil {
			return nil, fmt.Errorf("spec.accessEntries[%d].principalARN: Required value", i)
		}
		for j, p := range e.AccessPolicies {
			path := fmt.Sprintf("spec.accessEntries[%d].accessPolicies[%d]", i, j)
			if p.PolicyARN == nil {
				return nil, errors.New(path + ".policyARN: Required value")
			}
			if p.AccessScope != nil {
				if p.AccessScope.Type == nil {
					return nil, errors.New(path + ".accessScope.type: Required value")
				}
				if err := enum(path+".accessScope.type", p.AccessScope.Type, scopeTypes); err != nil {
					return nil, err
				}
			}
		}
	}
	if s.AssumeRole != nil && s.AssumeRole.RoleARN == nil {
		return nil, errors.New("spec.assumeRole.roleARN: Required value")
	}
	for i, a := range s.Addons {
		if a.Name == nil {
			return nil, fmt.Errorf("spec.addons[%d].name: Required value", i)
		}
	}
	if s.Lifecycle != nil {
		if err := enum("spec.lifecycle.deletionPolicy", s.Lifecycle.DeletionPolicy, deletionPolicy); err != nil {
			return nil, err
		}
	}
	if c.Status != nil {
		if err := enum("status.phase", c.Status.Phase, phases); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// schemaType and jsonType name types as Aura's decoder does ("expected string, got integer").
func schemaType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

func jsonType(raw []byte, te *json.UnmarshalTypeError) string {
	switch {
	case te.Value == "bool":
		return "boolean"
	case strings.HasPrefix(te.Value, "number"):
		// The literal ends at te.Offset: an integer unless it has a fraction or an exponent.
		for i := min(int(te.Offset), len(raw)) - 1; i >= 0 && strings.IndexByte("0123456789+-.eE", raw[i]) >= 0; i-- {
			if raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E' {
				return "number"
			}
		}
		return "integer"
	}
	return te.Value
}

// ---- field errors, rendered as Kubernetes (and Aura's FieldError::to_string) renders them.

type errType int

const (
	tInvalid errType = iota
	tRequired
	tForbidden
	tNotSupported
	tDuplicate
)

type fieldError struct {
	typ    errType
	field  string
	value  any
	detail string
}

func render(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (e fieldError) String() string {
	tail := ""
	if e.detail != "" {
		tail = ": " + e.detail
	}
	switch e.typ {
	case tRequired:
		return e.field + ": Required value" + tail
	case tForbidden:
		return e.field + ": Forbidden" + tail
	case tNotSupported:
		return e.field + ": Unsupported value: " + render(e.value) + tail
	case tDuplicate:
		return e.field + ": Duplicate value: " + render(e.value)
	}
	return e.field + ": Invalid value: " + render(e.value) + tail
}

func joinErrors(errs []fieldError) string {
	if len(errs) == 1 {
		return errs[0].String()
	}
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

type result struct {
	errors   []fieldError
	warnings []string
}

// ---- operator/common/ipv4_cidr.cpp (was webhooks/validation/cidr.cpp)

type cidr struct {
	network uint32
	prefix  int
}

func (c cidr) mask() uint32 {
	if c.prefix == 0 {
		return 0
	}
	return ^uint32(0) << (32 - c.prefix)
}
func (c cidr) last() uint32 { return c.network | ^c.mask() }
func (c cidr) contains(in cidr) bool {
	return in.prefix >= c.prefix && in.network&c.mask() == c.network
}
func (c cidr) overlaps(other cidr) bool {
	return c.network <= other.last() && other.network <= c.last()
}

const notCIDR = "must be an IPv4 CIDR such as 10.0.0.0/16"

func parseNumber(s string, max uint64) (uint64, bool) {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v > max {
		return 0, false
	}
	return v, true
}

func parseCIDR(text string) (cidr, string) {
	slash := strings.IndexByte(text, '/')
	if slash < 0 {
		return cidr{}, notCIDR
	}
	prefix, ok := parseNumber(text[slash+1:], 32)
	if !ok {
		return cidr{}, "the prefix length must be a number from 0 to 32"
	}
	addr := text[:slash]
	var ip uint32
	for i := 0; i < 4; i++ {
		dot := strings.IndexByte(addr, '.')
		if (i < 3) == (dot < 0) {
			return cidr{}, notCIDR
		}
		part := addr
		if dot >= 0 {
			part = addr[:dot]
		}
		octet, ok := parseNumber(part, 255)
		if !ok {
			return cidr{}, notCIDR
		}
		ip = ip<<8 | uint32(octet)
		if i < 3 {
			addr = addr[dot+1:]
		}
	}
	c := cidr{ip, int(prefix)}
	if ip&c.mask() != ip {
		return cidr{}, "host bits must be zero (not a network address)"
	}
	return c, ""
}

// ---- webhooks/validation/ephemeral_cluster.cpp

const (
	minVpcPrefix    = 16
	maxVpcPrefix    = 24
	maxSubnetPrefix = 28
)

func idx(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func isLowerOrDigit(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' }

func zoneInRegion(zone, region string) bool {
	if !strings.HasPrefix(zone, region) {
		return false
	}
	rest := zone[len(region):]
	if len(rest) == 1 {
		return rest[0] >= 'a' && rest[0] <= 'z'
	}
	if len(rest) < 5 || rest[0] != '-' || rest[len(rest)-1] < 'a' || rest[len(rest)-1] > 'z' {
		return false
	}
	for i := 1; i < len(rest)-1; i++ {
		if !isLowerOrDigit(rest[i]) {
			return false
		}
	}
	return true
}

func checkNetwork(net *ClusterNetwork, region, path string, out *result) {
	var vpc *cidr
	if net.VpcCIDR != nil {
		c, errText := parseCIDR(*net.VpcCIDR)
		switch {
		case errText != "":
			out.errors = append(out.errors, fieldError{tInvalid, path + ".vpcCIDR", *net.VpcCIDR, errText})
		case c.prefix < minVpcPrefix || c.prefix > maxVpcPrefix:
			out.errors = append(out.errors, fieldError{tInvalid, path + ".vpcCIDR", *net.VpcCIDR, "the VPC block must be a /16 to /24"})
		default:
			vpc = &c
		}
	}
	seen := make(map[string]struct{}, len(net.Zones))
	for i, z := range net.Zones {
		if _, dup := seen[z]; dup {
			out.errors = append(out.errors, fieldError{tDuplicate, idx(path+".zones", i), z, ""})
			continue
		}
		seen[z] = struct{}{}
		if !zoneInRegion(z, region) {
			out.errors = append(out.errors, fieldError{tInvalid, idx(path+".zones", i), z, "not an availability zone of region " + region})
		}
	}
	type named struct {
		field string
		c     cidr
	}
	var subnets []named
	for _, l := range []struct {
		list []string
		name string
	}{{net.PublicSubnetCIDRs, ".publicSubnetCIDRs"}, {net.PrivateSubnetCIDRs, ".privateSubnetCIDRs"}} {
		for i, text := range l.list {
			field := idx(path+l.name, i)
			c, errText := parseCIDR(text)
			if errText != "" {
				out.errors = append(out.errors, fieldError{tInvalid, field, text, errText})
				continue
			}
			if c.prefix > maxSubnetPrefix {
				out.errors = append(out.errors, fieldError{tInvalid, field, text, "a subnet must be a /28 or larger"})
				continue
			}
			if vpc != nil && !vpc.contains(c) {
				out.errors = append(out.errors, fieldError{tInvalid, field, text, "must be inside the VPC block " + *net.VpcCIDR})
				continue
			}
			overlap := false
			for _, o := range subnets {
				if o.c.overlaps(c) {
					out.errors = append(out.errors, fieldError{tInvalid, field, text, "overlaps " + o.field})
					overlap = true
					break
				}
			}
			if !overlap {
				subnets = append(subnets, named{field, c})
			}
		}
	}
}

func checkEndpoint(spec *EphemeralClusterSpec, path string, out *result) {
	access := spec.EndpointAccess
	public := access == nil || access.Public == nil || *access.Public
	var cidrs []string
	if access != nil {
		cidrs = access.PublicAccessCIDRs
	}
	open := len(cidrs) == 0
	for i, text := range cidrs {
		c, errText := parseCIDR(text)
		if errText != "" {
			out.errors = append(out.errors, fieldError{tInvalid, idx(path+".endpointAccess.publicAccessCIDRs", i), text, errText})
		} else if c.prefix == 0 {
			open = true
		}
	}
	if public && open {
		out.warnings = append(out.warnings, path+".endpointAccess: the Kubernetes API endpoint is public and open to "+
			"0.0.0.0/0; set publicAccessCIDRs or disable public access")
	}
}

func checkClusterSpec(spec *EphemeralClusterSpec, path string, out *result) {
	if !slices.Contains(supportedVersions, *spec.KubernetesVersion) {
		var b strings.Builder
		for i, v := range supportedVersions {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`"` + v + `"`)
		}
		out.errors = append(out.errors, fieldError{tNotSupported, path + ".kubernetesVersion", *spec.KubernetesVersion, "supported values: " + b.String()})
	}
	checkNetwork(spec.Network, *spec.Region, path+".network", out)
	checkEndpoint(spec, path, out)
}

func checkClusterUpdate(now, old *EphemeralClusterSpec, path string, out *result) {
	if *now.Region != *old.Region {
		out.errors = append(out.errors, fieldError{tInvalid, path + ".region", *now.Region, "field is immutable"})
	}
	if *now.KubernetesVersion != *old.KubernetesVersion {
		out.errors = append(out.errors, fieldError{tInvalid, path + ".kubernetesVersion", *now.KubernetesVersion,
			"field is immutable (upgrades are not supported yet)"})
	}
	a, _ := json.Marshal(now.Network)
	b, _ := json.Marshal(old.Network)
	if !bytes.Equal(a, b) {
		out.errors = append(out.errors, fieldError{tInvalid, path + ".network", now.Network, "field is immutable"})
	}
	if old.SecretsEncryption != nil && (now.SecretsEncryption == nil || *now.SecretsEncryption.KmsKeyARN != *old.SecretsEncryption.KmsKeyARN) {
		out.errors = append(out.errors, fieldError{tForbidden, path + ".secretsEncryption", nil, "cannot be changed or removed once set"})
	}
}

// ---- the AdmissionResponse, as webhooks/admission.cpp builds it

func allow(warnings []string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: true, Warnings: warnings}
}

func deny(code int32, reason, message string, warnings []string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{
		Allowed:  false,
		Result:   &metav1.Status{Code: code, Reason: metav1.StatusReason(reason), Message: message},
		Warnings: warnings,
	}
}

func validateEphemeralCluster(req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return allow(nil)
	}
	obj, err := decodeCluster(req.Object.Raw)
	if err != nil {
		return deny(422, "Invalid", err.Error(), nil)
	}
	var old *EphemeralCluster
	if req.Operation == admissionv1.Update {
		if old, err = decodeCluster(req.OldObject.Raw); err != nil {
			return deny(400, "BadRequest", "oldObject: "+err.Error(), nil)
		}
	}
	var out result
	checkClusterSpec(obj.Spec, "spec", &out)
	if old != nil {
		if *old.Spec.KubernetesVersion == *obj.Spec.KubernetesVersion {
			out.errors = slices.DeleteFunc(out.errors, func(e fieldError) bool { return e.field == "spec.kubernetesVersion" })
		}
		checkClusterUpdate(obj.Spec, old.Spec, "spec", &out)
	}
	if len(out.errors) > 0 {
		return deny(422, "Invalid", joinErrors(out.errors), out.warnings)
	}
	return allow(out.warnings)
}

// validate: webhooks/validation/ephemeral_cluster.cpp validate().
func validate(req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	if req.Kind.Group != "aura.io" {
		return deny(400, "BadRequest", fmt.Sprintf("this webhook only serves group aura.io, not %q", req.Kind.Group), nil)
	}
	if req.Operation == admissionv1.Update && len(req.Object.Raw) > 0 && len(req.OldObject.Raw) > 0 {
		var now, old struct {
			Metadata struct {
				DeletionTimestamp *json.RawMessage `json:"deletionTimestamp"`
			} `json:"metadata"`
			Spec any `json:"spec"`
		}
		if json.Unmarshal(req.Object.Raw, &now) == nil && json.Unmarshal(req.OldObject.Raw, &old) == nil {
			if now.Metadata.DeletionTimestamp != nil {
				return allow(nil)
			}
			a, _ := json.Marshal(now.Spec)
			b, _ := json.Marshal(old.Spec)
			if bytes.Equal(a, b) {
				return allow(nil)
			}
		}
	}
	if req.Kind.Kind == "EphemeralCluster" {
		return validateEphemeralCluster(req)
	}
	return deny(400, "BadRequest", fmt.Sprintf("no validation for kind %q", req.Kind.Kind), nil)
}

// ---- HTTP

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body+"\n")
}

func serveValidate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		plain(w, http.StatusMethodNotAllowed, "method not allowed: use POST")
		return
	}
	ct := r.Header.Get("Content-Type")
	if media, _, _ := strings.Cut(ct, ";"); media != "application/json" {
		plain(w, http.StatusBadRequest, fmt.Sprintf("unsupported Content-Type %q: expected application/json", ct))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, bodyLimit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			plain(w, http.StatusRequestEntityTooLarge, "request body too large")
		}
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil {
		plain(w, http.StatusBadRequest, "bad AdmissionReview: malformed JSON")
		return
	}
	if review.APIVersion != "admission.k8s.io/v1" || review.Kind != "AdmissionReview" {
		plain(w, http.StatusBadRequest, "bad AdmissionReview: expected apiVersion admission.k8s.io/v1 and kind AdmissionReview")
		return
	}
	req := review.Request
	switch {
	case req == nil:
		plain(w, http.StatusBadRequest, "bad AdmissionReview: request: Required value")
		return
	case req.UID == "":
		plain(w, http.StatusBadRequest, "bad AdmissionReview: request.uid: Required value")
		return
	case req.Operation == "":
		plain(w, http.StatusBadRequest, "bad AdmissionReview: request.operation: Required value")
		return
	case (req.Operation == admissionv1.Create || req.Operation == admissionv1.Update) && len(req.Object.Raw) == 0:
		plain(w, http.StatusBadRequest, "bad AdmissionReview: request.object: Required value for "+string(req.Operation))
		return
	}
	resp := validate(req)
	resp.UID = req.UID
	out, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Response: resp,
	})
	if err != nil {
		plain(w, http.StatusInternalServerError, "cannot encode the answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

func main() {
	certFile := flag.String("cert", "", "serving certificate (PEM)")
	keyFile := flag.String("key", "", "its private key (PEM)")
	address := flag.String("address", "127.0.0.1", "listen address")
	port := flag.Int("port", 9443, "listen port (0: any)")
	flag.Parse()
	if *certFile == "" || *keyFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("certificate: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc(validatePath, serveValidate)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { plain(w, 200, "ok") })
	srv := &http.Server{
		Handler: mux,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{pair},
			MinVersion:   tls.VersionTLS12,
			// TLS 1.2: ECDHE with AEAD only, as Aura (TLS 1.3 suites are not configurable in Go).
			CipherSuites: []uint16{
				tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
				tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
				tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,
			},
		},
		// HTTP/1.1 only, as Aura's server (a non-nil empty map turns HTTP/2 off).
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*address, strconv.Itoa(*port)))
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	fmt.Printf("listening %d gomaxprocs %d\n", ln.Addr().(*net.TCPAddr).Port, runtime.GOMAXPROCS(0))
	os.Stdout.Sync()
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("serve: %v", err)
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}
