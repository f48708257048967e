// Project form: GitHub buttons when the Project is linked to a Repository (anchors.md §1.4).
frappe.ui.form.on("Project", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.repository) return;
		const gh = erpnext_github_integration;
		const repo = frm.doc.repository;
		frm.add_custom_button(__("Sync Members from Repository"), () => gh.sync_members(repo, frm), gh.GROUP);
		// The seed sent repo_full_name here; sync_repo takes `repository`.
		frm.add_custom_button(__("Sync Repository Data"), () => gh.sync_repo(repo), gh.GROUP);
	},
});
