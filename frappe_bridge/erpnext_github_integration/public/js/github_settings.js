// GitHub Settings › GitHub App: Connect, repository + branch, Sync Now, Plan, Disconnect, and the
// last sync's status and errors. Everything goes to the sidecar's github_app.* methods.
frappe.ui.form.on("GitHub Settings", {
	refresh(frm) {
		const ns = erpnext_github_integration;
		const group = __("GitHub App");
		const reload = () => frm.reload_doc();

		frm.add_custom_button(__("Connect"), () =>
			ns.call("github_app.get_install_url", {}, __("Preparing the GitHub link…")).then((m) => {
				if (m && m.url) window.location.href = m.url;
			}), group);

		frm.add_custom_button(__("Repository and Branch"), () => {
			const d = new frappe.ui.Dialog({
				title: __("Sync templates from"),
				fields: [
					{ fieldname: "repository", fieldtype: "Data", label: __("Repository (owner/repo)"), reqd: 1 },
					{ fieldname: "branch", fieldtype: "Data", label: __("Branch"), default: "main", reqd: 1 },
				],
				primary_action_label: __("Save and sync"),
				primary_action(values) {
					ns.call("github_app.configure", values, __("Checking the repository…")).then((m) => {
						d.hide();
						ns.show(__("GitHub App"), m);
						reload();
					});
				},
			});
			d.show();
		}, group);

		frm.add_custom_button(__("Sync Now"), () =>
			ns.call("github_app.sync_now", {}, __("Syncing templates…")).then((m) =>
				ns.job_answer(m, null, (r) => {
					ns.show(__("Template sync"), r);
					reload();
				})), group);

		frm.add_custom_button(__("Plan"), () =>
			frappe.prompt(
				[{ fieldname: "ref", fieldtype: "Data", label: __("Commit SHA (empty: the branch head)") }],
				(values) =>
					ns.call("github_app.plan", values, __("Reading the repository…")).then((m) => {
						ns.show(__("What a sync would do"), m);
						if (values.ref) {
							frappe.confirm(__("Apply commit {0} now (roll back to it)?", [ns.esc(values.ref)]), () =>
								ns.call("github_app.sync_now", { ref: values.ref }, __("Syncing templates…")).then((m) =>
									ns.job_answer(m, null, (r) => {
										ns.show(__("Template sync"), r);
										reload();
									})));
						}
					}),
				__("Plan a template sync"),
				__("Plan"),
			), group);

		frm.add_custom_button(__("Disconnect"), () =>
			frappe.confirm(__("Disconnect the GitHub App? Synced documents stay and become editable."), () =>
				ns.call("github_app.disconnect", {}, __("Disconnecting…")).then((m) => {
					ns.show(__("GitHub App"), m);
					reload();
				})), group);

		// Last sync status and errors, under the form.
		ns.call("github_app.get_status", {}, __("Reading the GitHub App status…")).then((status) => {
			if (!status) return;
			const wrapper = frm.dashboard && frm.dashboard.wrapper;
			if (!wrapper) return;
			wrapper.find(".github-app-status").remove();
			const html = `<div class="github-app-status form-section"><h5>${__("GitHub App")}</h5>${ns.render(status)}</div>`;
			frm.dashboard.add_section(html);
			frm.dashboard.show();
		});
	},
});
