// Task form: "GitHub" buttons when the Task has a github_repo (anchors.md §1.4).
frappe.ui.form.on("Task", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.github_repo) return;
		const gh = erpnext_github_integration;
		const repo = frm.doc.github_repo;
		const add = (label, fn) => frm.add_custom_button(label, fn, gh.GROUP);
		const plain = (html) => (typeof strip_html === "function" ? strip_html(html || "") : html || "");
		const remember = (field, value) => {
			if (!value) return;
			frm.set_value(field, value);
			return frm.save();
		};

		if (!frm.doc.github_issue_number) {
			add(__("Create GitHub Issue"), () =>
				frappe.prompt(
					[
						{ fieldname: "title", label: __("Title"), fieldtype: "Data", reqd: 1, default: frm.doc.subject },
						{ fieldname: "body", label: __("Body"), fieldtype: "Text", default: plain(frm.doc.description) },
						{ fieldname: "labels", label: __("Labels (comma-separated)"), fieldtype: "Small Text" },
					],
					(v) =>
						gh
							.call("github_api.create_issue", {
								repository: repo,
								title: v.title,
								body: v.body || undefined,
								labels: v.labels ? v.labels.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
							})
							.then((m) => {
								gh.show(__("Issue created"), m);
								return remember("github_issue_number", gh.number_of(m, "issue_number"));
							}),
					__("Create GitHub Issue"),
					__("Create")
				)
			);
		}

		if (!frm.doc.github_pr_number) {
			add(__("Create Pull Request"), () =>
				frappe.prompt(
					[
						{ fieldname: "title", label: __("Title"), fieldtype: "Data", reqd: 1, default: frm.doc.subject },
						{ fieldname: "head", label: __("Head branch"), fieldtype: "Data", reqd: 1 },
						{ fieldname: "base", label: __("Base branch"), fieldtype: "Data", reqd: 1 },
						{ fieldname: "body", label: __("Body"), fieldtype: "Text" },
					],
					(v) =>
						gh
							.call("github_api.create_pull_request", { repository: repo, title: v.title, head: v.head, base: v.base, body: v.body || undefined })
							.then((m) => {
								gh.show(__("Pull request created"), m);
								return remember("github_pr_number", gh.number_of(m, "pr_number"));
							}),
					__("Create Pull Request"),
					__("Create")
				)
			);
		}

		if (frm.doc.github_issue_number) {
			add(__("Assign Issue"), () =>
				frappe.prompt(
					[{ fieldname: "assignees", label: __("Assignees (users or GitHub logins, comma-separated)"), fieldtype: "Small Text", reqd: 1 }],
					(v) =>
						gh
							.call("github_api.assign_issue", { repo_full_name: repo, issue_number: frm.doc.github_issue_number, assignees: gh.split_list(v.assignees) })
							.then((m) => gh.show(__("Issue assigned"), m)),
					__("Assign Issue #{0}", [frm.doc.github_issue_number]),
					__("Assign")
				)
			);
		}

		if (frm.doc.github_pr_number) {
			add(__("Assign PR Reviewer"), () =>
				frappe.prompt(
					[{ fieldname: "reviewers", label: __("Reviewers (users or GitHub logins, comma-separated)"), fieldtype: "Small Text", reqd: 1 }],
					(v) =>
						gh
							.call("github_api.add_pr_reviewer", { repo_full_name: repo, pr_number: frm.doc.github_pr_number, reviewers: gh.split_list(v.reviewers) })
							.then((m) => gh.show(__("Reviewers requested"), m)),
					__("Reviewers for PR #{0}", [frm.doc.github_pr_number]),
					__("Request")
				)
			);
		}
	},
});
