// k8s-validate.mjs FILE...: checks every document of Kubernetes YAML
// manifests against the API's schema, as `kubectl apply --validate=strict`
// would: types, required fields, formats and enums with kubernetes-models'
// validators (generated from the API's OpenAPI schema), and no field the
// API does not know, walking @kubernetes/client-node's generated type
// tables (the OpenAPI schemas allow unknown fields, the API server in
// strict mode does not).  Prints "FILE: KIND NAME: valid" or the problems;
// exit 1 on any.  Run from a directory whose node_modules holds both
// packages and yaml (tests/pkg/manifest.sh does).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as client from "@kubernetes/client-node";

// "apps/v1" -> kubernetes-models' module folder and client-node's prefix.
function split_api(apiVersion) {
	const i = apiVersion.lastIndexOf("/");
	return i < 0 ? ["", apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

async function schema_errors(doc) {
	const [group, version] = split_api(doc.apiVersion);
	const dir = group ? `${group}/${version}` : version;
	let mod;
	try {
		mod = await import(`kubernetes-models/${dir}/${doc.kind}`);
	} catch {
		return [`unknown kind ${doc.apiVersion} ${doc.kind}`];
	}
	try {
		new mod[doc.kind](doc).validate();
		return [];
	} catch (e) {
		return e.message.split(", ");
	}
}

const scalar = new Set(["string", "number", "boolean", "Date", "any", "object", "IntOrString"]);

// unknown_fields(value, type, path): paths the type does not declare.
function unknown_fields(value, type, path) {
	if (value === null || value === undefined || scalar.has(type))
		return [];
	let m = type.match(/^Array<(.*)>$/);
	if (m)
		return Array.isArray(value) ?
			value.flatMap((v, i) => unknown_fields(v, m[1], `${path}/${i}`)) : [];
	m = type.match(/^\{ \[key: string\]: (.*); \}$/);
	if (m)
		return Object.entries(value).flatMap(([k, v]) => unknown_fields(v, m[1], `${path}/${k}`));
	const cls = client[type];
	if (!cls || !cls.attributeTypeMap || typeof value !== "object")
		return [];
	const fields = new Map(cls.attributeTypeMap.map((a) => [a.baseName, a.type]));
	return Object.entries(value).flatMap(([k, v]) =>
		fields.has(k) ? unknown_fields(v, fields.get(k), `${path}/${k}`) :
			[`${path}/${k}: unknown field in ${type}`]);
}

let bad = 0;
for (const file of process.argv.slice(2)) {
	for (const d of parseAllDocuments(readFileSync(file, "utf8"))) {
		if (d.errors.length) {
			console.log(`${file}: YAML: ${d.errors.map((e) => e.message).join("; ")}`);
			bad++;
			continue;
		}
		const doc = d.toJS();
		if (!doc)
			continue;
		const what = `${file}: ${doc.kind} ${doc.metadata?.name ?? "(no name)"}`;
		const version = split_api(doc.apiVersion ?? "")[1];
		const type = version.charAt(0).toUpperCase() + version.slice(1) + doc.kind;
		const errs = await schema_errors(doc);
		if (!client[type])
			errs.push(`no type ${type} to check fields against`);
		else
			errs.push(...unknown_fields(doc, type, ""));
		if (errs.length) {
			bad++;
			for (const e of errs)
				console.log(`${what}: ${e}`);
		} else {
			console.log(`${what}: valid`);
		}
	}
}
process.exit(bad ? 1 : 0);
