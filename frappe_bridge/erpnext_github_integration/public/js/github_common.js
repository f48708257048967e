// Shared helpers for the GitHub desk buttons. Every value that came from GitHub is escaped.
frappe.provide("erpnext_github_integration");

(function (ns) {
	const esc = (v) => frappe.utils.escape_html(v === null || v === undefined ? "" : String(v));
	ns.esc = esc;
	ns.GROUP = __("GitHub");

	// frappe.call on erpnext_github_integration.<method>; resolves with r.message.
	// freeze_message false: no freeze overlay (long jobs show Frappe's progress bar instead).
	ns.call = function (method, args, freeze_message) {
		// Unset arguments are left out (jQuery would send them as "").
		const sent = {};
		Object.keys(args || {}).forEach((k) => {
			if (args[k] !== undefined && args[k] !== null && args[k] !== "") sent[k] = args[k];
		});
		return frappe
			.call({
				method: "erpnext_github_integration." + method,
				args: sent,
				freeze: freeze_message !== false,
				freeze_message: freeze_message || __("Talking to GitHub…"),
			})
			.then((r) => r && r.message);
	};

	// "a, b\nc" -> ["a", "b", "c"]; empty -> undefined (the argument is then not sent).
	ns.split_list = function (text) {
		const items = (text || "").split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
		return items.length ? items : undefined;
	};

	// Escaped HTML for any JSON value: objects as tables, arrays as lists (first 20 items).
	ns.render = function render(value, depth) {
		depth = depth || 0;
		if (value === null || value === undefined || value === "") return `<span class="text-muted">—</span>`;
		if (Array.isArray(value)) {
			if (!value.length) return `<span class="text-muted">${__("none")}</span>`;
			if (depth > 2) return esc(JSON.stringify(value));
			const items = value.slice(0, 20).map((v) => `<li>${render(v, depth + 1)}</li>`).join("");
			const more = value.length > 20 ? `<li class="text-muted">${__("{0} more", [value.length - 20])}</li>` : "";
			return `<ul class="list-unstyled">${items}${more}</ul>`;
		}
		if (typeof value === "object") {
			if (depth > 2) return esc(JSON.stringify(value));
			const rows = Object.keys(value)
				.map((k) => `<tr><th style="width:35%">${esc(frappe.unscrub(k))}</th><td>${render(value[k], depth + 1)}</td></tr>`)
				.join("");
			return `<table class="table table-bordered table-condensed">${rows}</table>`;
		}
		return esc(value);
	};

	ns.show = function (title, value) {
		if (value === null || value === undefined) {
			frappe.show_alert({ message: __("Done"), indicator: "green" });
		} else if (typeof value === "string") {
			frappe.msgprint({ title: title, message: esc(value) });
		} else {
			frappe.msgprint({ title: title, message: ns.render(value), wide: true });
		}
	};

	// sync_repo returns the GitHub Sync Run counters (calls, 304s, rows) plus anything else.
	ns.show_sync_summary = function (summary) {
		if (!summary || typeof summary !== "object") return ns.show(__("Repository synced"), summary);
		const labels = {
			github_calls: __("GitHub calls"),
			not_modified: __("Not modified (304)"),
			graphql_calls: __("GraphQL calls"),
			rows_inserted: __("Rows inserted"),
			rows_updated: __("Rows updated"),
			rows_deleted: __("Rows deleted"),
		};
		const known = Object.keys(labels).filter((k) => k in summary);
		const rest = {};
		Object.keys(summary).forEach((k) => { if (!(k in labels)) rest[k] = summary[k]; });
		const rows = known.map((k) => `<tr><th style="width:35%">${esc(labels[k])}</th><td>${esc(summary[k])}</td></tr>`).join("");
		const head = rows ? `<table class="table table-bordered table-condensed">${rows}</table>` : "";
		const tail = Object.keys(rest).length ? ns.render(rest) : "";
		frappe.msgprint({ title: __("Repository synced"), message: head + tail, indicator: "green", wide: true });
	};

	// The sync is a sidecar job: its progress arrives as Frappe realtime "progress" events (the
	// desk's own progress bar). A quick sync answers its summary; a long one answers
	// {queued: true, sync_run}, and the summary is shown when that GitHub Sync Run finishes.
	ns.sync_repo = function (repository, frm) {
		frappe.show_alert({ message: __("Syncing {0}…", [repository]), indicator: "blue" });
		return ns.call("github_api.sync_repo", { repository: repository }, false).then((m) => {
			if (m && m.queued) {
				ns.follow_sync_run(m, frm);
			} else {
				ns.show_sync_summary(m);
				if (frm && !frm.is_dirty()) frm.reload_doc();
			}
			return m;
		});
	};

	// Tells where to follow a queued job (a sync, an import, a template sync), then shows its
	// outcome once the GitHub Sync Run changes to Succeeded or Failed (doc_update on the run's
	// room): `on_done(result)` when given, else the sync summary.
	ns.follow_sync_run = function (m, frm, on_done) {
		const link = `<a href="/app/github-sync-run/${encodeURIComponent(m.sync_run)}">${esc(m.sync_run)}</a>`;
		frappe.msgprint({
			title: __("Continues in the background"),
			message: __("{0}; it goes on as GitHub Sync Run {1}, with its progress shown here.", [esc(m.message || m.repository), link]),
			indicator: "blue",
		});
		frappe.realtime.doc_subscribe("GitHub Sync Run", m.sync_run);
		const handler = (data) => {
			if (!data || data.doctype !== "GitHub Sync Run" || data.name !== m.sync_run) return;
			frappe.db.get_doc("GitHub Sync Run", m.sync_run).then((run) => {
				if (run.status !== "Succeeded" && run.status !== "Failed") return;
				frappe.realtime.off("doc_update", handler);
				frappe.realtime.doc_unsubscribe("GitHub Sync Run", m.sync_run);
				let result = null;
				try { result = JSON.parse(run.result || "null"); } catch (e) { /* keep the row */ }
				if (run.status === "Succeeded" || (result && !result.exc_type)) {
					(on_done || ns.show_sync_summary)(result || run);
					if (frm && !frm.is_dirty()) frm.reload_doc();
				} else {
					frappe.msgprint({ title: __("Failed"), message: esc(run.error), indicator: "red" });
				}
			});
		};
		frappe.realtime.on("doc_update", handler);
	};

	// What a call that runs as a job answered: its result, or (when it takes longer) where to
	// follow it, with `show(result)` called once it has finished.
	ns.job_answer = function (m, frm, show) {
		if (m && m.queued && m.sync_run) ns.follow_sync_run(m, frm, show);
		else show(m);
		return m;
	};

	ns.sync_members = function (repo_full_name, frm) {
		return ns.call("github_api.sync_repo_members", { repo_full_name: repo_full_name }).then((m) => {
			ns.show(__("Members synced"), m);
			if (frm && !frm.is_dirty()) frm.reload_doc();
			return m;
		});
	};

	// Issue / PR number from whatever create_issue / create_pull_request returned.
	ns.number_of = function (m, key) {
		if (m === null || m === undefined) return null;
		if (typeof m !== "object") return cint(m) || null;
		return cint(m[key] || m.number || (m.data && (m.data[key] || m.data.number))) || null;
	};
})(erpnext_github_integration);
