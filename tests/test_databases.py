"""The database fixtures give each test an empty database of the dialect it names."""
import sqlalchemy as sa


def test_db_url_is_an_empty_writable_database(db_url: str, request) -> None:
    engine = sa.create_engine(db_url)
    try:
        assert engine.dialect.name == request.node.callspec.params["db_url"]
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar_one() == 1
    finally:
        engine.dispose()
