//! A small terminal keeps what tells panes apart: at 40×10 each pane's title still names its
//! task (the state's word gives way to its glyph first). Through the real binary in tmux.

mod common;

use common::tmux::Tmux;

#[test]
fn at_40_by_10_pane_titles_keep_their_task_names() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let sessions: String = ["frontend", "backend"]
        .iter()
        .map(|task| {
            format!(
                "[[session]]\ntask_id = \"{task}\"\n\
                 command = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\n"
            )
        })
        .collect();
    common::tmux::write_trusted_project_file(home.path(), project.path(), &sessions);
    let tmux = Tmux::start(home, project.path(), &[], (40, 10));
    tmux.wait_for(
        |s| {
            s.lines()
                .next()
                .is_some_and(|top| top.contains("1 frontend ●") && top.contains("2 backend ●"))
        },
        "both ready panes' titles name their tasks",
    );
}
